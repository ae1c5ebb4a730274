using System.Globalization;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Aegis.Network;
using Aegis.Node.Api;
using Aegis.Node.Configuration;
using Aegis.Node.Monitoring;
using Aegis.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Aegis.Node.Hosting;

/// <summary>
/// Everything between a client's socket and an endpoint: the listeners (TLS when configured), Kestrel's limits and the
/// per-IP connection cap, JWT authentication, the global rate limiter and the access policy, and JSON for errors that
/// nothing else answered. <see cref="NodeHost"/> calls the two halves, <see cref="AddAegisPerimeter"/> and <see cref="UseAegisPerimeter"/>.
/// </summary>
public static class ApiPerimeter
{
    /// <summary>An idle keep-alive connection is closed after this; Kestrel's default (130 s) lets idle clients pile up.</summary>
    private static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    public static void AddAegisPerimeter(this WebApplicationBuilder builder, AegisConfig config, ApiCredentials credentials, ApiMetrics metrics)
    {
        X509Certificate2? certificate = credentials.Certificate;
        var cap = new ConnectionCap(config.Api.MaxConnectionsPerIp, metrics);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = config.Api.MaxBodyBytes;
            k.Limits.MaxConcurrentConnections = config.Api.MaxConnections;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromMilliseconds(config.Api.RequestHeadersTimeoutMs);
            k.Limits.KeepAliveTimeout = KeepAliveTimeout;
            Listen(k, ParseHost(config.Api.Host), config.Api.Port, certificate, config.Api.Tls.MinVersion, cap);
            if (config.Monitoring.MetricsPort > 0)
            {
                Listen(k, ParseHost(ListenAddresses.MetricsHost(config)), config.Monitoring.MetricsPort, certificate, config.Api.Tls.MinVersion, cap);
            }
        });

        if (config.Security.Authentication)
        {
            builder.Services.AddAegisAuthentication(config.Security, credentials.JwtKeys ?? throw new InvalidOperationException("authentication is on but no JWT keys were loaded"), metrics);
        }

        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetTokenBucketLimiter(
                PartitionKey(http),
                _ => Bucket(config.Security.RateLimitPerMinute)));
            o.OnRejected = async (context, _) =>
            {
                metrics.RateLimited.Add(1);
                TimeSpan wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan after) ? after : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await ApiEndpoints.Error(StatusCodes.Status429TooManyRequests, "rate_limited", $"more than {config.Security.RateLimitPerMinute} requests per minute from this client; retry after the indicated delay").ExecuteAsync(context.HttpContext);
            };
        });
    }

    public static void UseAegisPerimeter(this WebApplication app, AegisConfig config)
    {
        app.UseMiddleware<ErrorBodyMiddleware>();
        if (config.Security.Authentication)
        {
            app.UseAuthentication();
        }

        app.UseRateLimiter();
        if (config.Security.Authentication)
        {
            app.UseAegisAccessPolicy(config.Security);
        }
    }

    /// <summary>The rate limiter's partition: <see cref="ClientKey.Of"/>.</summary>
    internal static string PartitionKey(HttpContext http) => ClientKey.Of(http.User, http.Connection.RemoteIpAddress);

    // A bucket of one minute's budget that refills every second: a client may burst up to its per-minute limit, and over
    // any minute it gets at most twice that (one full bucket plus a minute of refill).
    private static TokenBucketRateLimiterOptions Bucket(int perMinute) => new()
    {
        TokenLimit = perMinute,
        TokensPerPeriod = Math.Max(1, perMinute / 60),
        ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / perMinute),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static void Listen(KestrelServerOptions k, IPAddress host, int port, X509Certificate2? certificate, string minVersion, ConnectionCap cap) =>
        k.Listen(host, port, listen =>
        {
            listen.Use(cap.Wrap);
            if (certificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    SslProtocols = minVersion == "1.3" ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                });
            }
        });

    internal static IPAddress ParseHost(string host) =>
        host is "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out IPAddress? ip) ? ip : Dns.GetHostAddresses(host)[0];
}
