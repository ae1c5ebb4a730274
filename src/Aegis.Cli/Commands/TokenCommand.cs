using System.CommandLine;
using Aegis.Node.Security;
using Aegis.Node.Configuration;

namespace Aegis.Cli.Commands;

/// <summary>
/// `aegis token --config FILE [--ttl 1h] [--subject NAME] [--role read|write|admin] [--key PEM]`: a JWT the node accepts.
/// HS256 with the node's jwt_secret; RS256/ES256 with the private key (--key) matching its jwt_public_key_file.
/// </summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "path of config.yaml", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "lifetime, e.g. 30m, 1h, 7d", DefaultValueFactory = _ => "1h" };
        var subject = new Option<string>("--subject") { Description = "who the token is for (the rate limiter's partition)", DefaultValueFactory = _ => "client" };
        var role = new Option<string[]>("--role") { Description = "read, write or admin (repeatable); write may also read, admin may do both", DefaultValueFactory = _ => [ApiRoles.Write], AllowMultipleArgumentsPerToken = true };
        var key = new Option<string?>("--key") { Description = "PEM private key (RSA or EC P-256) matching security.jwt_public_key_file, for RS256/ES256 tokens" };
        var command = new Command("token", "mint a JWT for clients when authentication is on") { config, ttl, subject, role, key };
        command.SetAction(parse =>
        {
            ConfigResult loaded = ConfigLoader.Load(parse.GetValue(config)!, ConfigLoader.ProcessEnvironment());
            if (!loaded.Ok)
            {
                return CliErrors.Report("token", loaded.Problems);
            }

            var problems = new List<string>();
            if (!Durations.TryParse(parse.GetValue(ttl)!, out TimeSpan lifetime))
            {
                problems.Add($"--ttl: {parse.GetValue(ttl)} — expected a duration such as 30s, 15m, 1h or 7d");
            }

            string[] roles = parse.GetValue(role)!;
            problems.AddRange(roles.Where(r => !ApiRoles.All.Contains(r)).Select(r => $"--role: {r} — expected read, write or admin"));
            SecuritySection security = loaded.Config!.Security;
            Microsoft.IdentityModel.Tokens.SigningCredentials? credentials = JwtKeys.Signing(security, parse.GetValue(key), problems);
            if (problems.Count > 0 || credentials is null)
            {
                return CliErrors.Report("token", problems);
            }

            Console.WriteLine(TokenMinter.Mint(credentials, parse.GetValue(subject)!, [.. roles.Distinct()], lifetime, security.JwtIssuer, security.JwtAudience, DateTime.UtcNow));
            (credentials.Key as IDisposable)?.Dispose();
            return CliApp.Ok;
        });
        return command;
    }
}
