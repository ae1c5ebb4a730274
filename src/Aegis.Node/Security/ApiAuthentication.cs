using Aegis.Content.Rpc;
using Aegis.Node.Api;
using Aegis.Node.Configuration;
using Aegis.Node.Monitoring;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Aegis.Node.Security;

/// <summary>
/// Bearer tokens through the platform's JwtBearer handler: the configured algorithm only, signed tokens only, exp
/// required, 30 s of clock skew on nbf and exp, iss/aud checked when configured. Every refusal is a JSON error and
/// is counted in aegis_api_auth_failures_total{reason}.
/// </summary>
public static class ApiAuthentication
{
    /// <summary>Clocks of clients and nodes drift a little; a token is not refused for a few seconds of it.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Every value of aegis_api_auth_failures_total's <c>reason</c> label: a fixed set, so refusals cannot grow the series.</summary>
    public static readonly IReadOnlyList<string> FailureReasons =
        ["missing", "malformed", "bad_signature", "expired", "no_exp", "not_yet_valid", "wrong_alg", "wrong_audience", "wrong_issuer", "invalid", "missing_role"];

    public static void AddAegisAuthentication(this IServiceCollection services, SecuritySection security, JwtKeys keys, ApiMetrics metrics)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = Parameters(security, keys);
            o.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    (string reason, string message) = Describe(context.AuthenticateFailure, context.Request.Headers.Authorization.Count > 0);
                    metrics.AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
                    context.Response.Headers.WWWAuthenticate = reason == "missing" ? "Bearer" : "Bearer error=\"invalid_token\"";
                    await ApiEndpoints.Error(StatusCodes.Status401Unauthorized, "unauthorized", message).ExecuteAsync(context.HttpContext);
                },
                OnForbidden = async context =>
                {
                    metrics.AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", "missing_role"));
                    await ApiEndpoints.Error(StatusCodes.Status403Forbidden, "forbidden", "the token's role does not allow this request").ExecuteAsync(context.HttpContext);
                },
            };
        });
        services.AddAuthorization(o =>
        {
            foreach (string role in ApiRoles.All)
            {
                o.AddPolicy(role, p => p.RequireAuthenticatedUser().RequireRole(ApiRoles.Satisfying(role)));
            }
        });
    }

    public static TokenValidationParameters Parameters(SecuritySection security, JwtKeys keys) => new()
    {
        IssuerSigningKeys = keys.VerificationKeys,
        ValidAlgorithms = [keys.Algorithm],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = ClockSkew,
        ValidateIssuer = security.JwtIssuer.Length > 0,
        ValidIssuer = security.JwtIssuer.Length > 0 ? security.JwtIssuer : null,
        ValidateAudience = security.JwtAudience.Length > 0,
        ValidAudience = security.JwtAudience.Length > 0 ? security.JwtAudience : null,
        ValidateIssuerSigningKey = true,
        RoleClaimType = ApiRoles.ClaimType,
        NameClaimType = "sub",
    };

    /// <summary>
    /// Writes need the write role; reads need read when security.protect_reads is on (a read-only Kubo call under
    /// /ipfs-api is a read, though POST); /health, /ready and /metrics stay
    /// open for probes and scrapers. Runs after authentication and rate limiting, so refused requests are limited too.
    /// </summary>
    public static void UseAegisAccessPolicy(this IApplicationBuilder app, SecuritySection security)
    {
        app.Use(async (http, next) =>
        {
            string? policy = RequiredRole(http.Request, security.ProtectReads);
            if (policy is not null)
            {
                IAuthorizationService authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
                AuthorizationResult result = await authorization.AuthorizeAsync(http.User, policy);
                if (!result.Succeeded)
                {
                    await (http.User.Identity?.IsAuthenticated == true ? http.ForbidAsync() : http.ChallengeAsync());
                    return;
                }
            }

            await next(http);
        });
    }

    private static string? RequiredRole(HttpRequest request, bool protectReads)
    {
        bool read = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || (HttpMethods.IsPost(request.Method) && KuboRpc.IsReadOnlyCall(request.Path));
        if (!read)
        {
            return ApiRoles.Write;
        }

        bool data = request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) || request.Path.StartsWithSegments(KuboRpc.Prefix, StringComparison.Ordinal);
        return protectReads && data ? ApiRoles.Read : null;
    }

    // A fixed set of reasons (the metric's label) and a sentence for the client; the library's own text (IDX… codes,
    // type names) is never passed on.
    private static (string Reason, string Message) Describe(Exception? failure, bool hadHeader) => failure switch
    {
        null when !hadHeader => ("missing", "missing 'Authorization: Bearer <token>' (mint one with 'aegis token')"),
        null => ("malformed", "expected 'Authorization: Bearer <token>'"),
        SecurityTokenExpiredException => ("expired", "the token has expired (exp is in the past)"),
        SecurityTokenNoExpirationException => ("no_exp", "the token has no exp claim; every token must expire"),
        SecurityTokenNotYetValidException => ("not_yet_valid", "the token is not valid yet (nbf is in the future)"),
        SecurityTokenInvalidAlgorithmException => ("wrong_alg", "the token's alg is not the algorithm this node is configured for"),
        SecurityTokenInvalidIssuerException => ("wrong_issuer", "the token's iss is not the configured issuer"),
        SecurityTokenInvalidAudienceException => ("wrong_audience", "the token's aud is not the configured audience"),
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => ("bad_signature", "the token's signature does not verify with the configured key"),
        SecurityTokenMalformedException or ArgumentException => ("malformed", "not a well-formed JWT"),
        _ => ("invalid", "the token was refused"),
    };
}
