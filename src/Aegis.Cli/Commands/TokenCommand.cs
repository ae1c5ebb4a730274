using System.CommandLine;
using Aegis.Node.Api;
using Aegis.Node.Configuration;

namespace Aegis.Cli.Commands;

/// <summary>`aegis token --config FILE [--ttl 1h] [--subject NAME]`: a JWT signed with the node's configured secret.</summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "path of config.yaml", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "lifetime, e.g. 30m, 1h, 7d", DefaultValueFactory = _ => "1h" };
        var subject = new Option<string>("--subject") { Description = "who the token is for", DefaultValueFactory = _ => "client" };
        var command = new Command("token", "mint a JWT for clients when authentication is on") { config, ttl, subject };
        command.SetAction(parse =>
        {
            ConfigResult loaded = ConfigLoader.Load(parse.GetValue(config)!, ConfigLoader.ProcessEnvironment());
            if (!loaded.Ok)
            {
                return CliErrors.Report("token", loaded.Problems);
            }

            if (System.Text.Encoding.UTF8.GetByteCount(loaded.Config!.Security.JwtSecret) < 32)
            {
                return CliErrors.Report("token", ["security.jwt_secret: (redacted) — needs at least 32 bytes (or AEGIS_JWT_SECRET)"]);
            }

            if (!Durations.TryParse(parse.GetValue(ttl)!, out TimeSpan lifetime))
            {
                return CliErrors.Report("token", [$"--ttl: {parse.GetValue(ttl)} — expected a duration such as 30s, 15m, 1h or 7d"]);
            }

            Console.WriteLine(JwtHs256.Mint(loaded.Config.Security.JwtSecret, parse.GetValue(subject)!, lifetime, DateTimeOffset.UtcNow));
            return CliApp.Ok;
        });
        return command;
    }
}

internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        if (text.Length < 2 || !double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double n) || n <= 0)
        {
            return false;
        }

        value = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.Zero,
        };
        return value > TimeSpan.Zero;
    }
}
