using System.CommandLine;
using Aegis.Knowledge.Configuration;
using Aegis.Knowledge.Hosting;
using Aegis.Node.Configuration;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>`aegis knowledge token --config knowledge.yaml --subject NAME [--areas a,b] [--ttl 1h]`: a JWT for the knowledge API.</summary>
public static class KnowledgeTokenCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "path of knowledge.yaml", Required = true };
        var subject = new Option<string>("--subject") { Description = "the user (owner of personal_knowledge documents)", DefaultValueFactory = _ => "client" };
        var areas = new Option<string?>("--areas") { Description = "comma-separated areas the user is a member of" };
        var ttl = new Option<string>("--ttl") { Description = "lifetime, e.g. 30m, 1h, 7d", DefaultValueFactory = _ => "1h" };
        var command = new Command("token", "mint a JWT for the knowledge API") { config, subject, areas, ttl };
        command.SetAction(parse =>
        {
            KnowledgeConfigResult loaded = KnowledgeConfigLoader.Load(parse.GetValue(config)!, ConfigLoader.ProcessEnvironment());
            if (!loaded.Ok)
            {
                return CliErrors.Report("knowledge token", loaded.Problems);
            }

            if (!loaded.Config!.Security.Authentication)
            {
                return CliErrors.Report("knowledge token", ["security.authentication: false — the service takes no tokens; turn it on to use them"]);
            }

            if (!Durations.TryParse(parse.GetValue(ttl)!, out TimeSpan lifetime))
            {
                return CliErrors.Report("knowledge token", [$"--ttl: {parse.GetValue(ttl)} — expected a duration such as 30s, 15m, 1h or 7d"]);
            }

            string[] areaList = (parse.GetValue(areas) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            KnowledgeSecuritySection s = loaded.Config.Security;
            Console.WriteLine(KnowledgeTokens.Mint(s.JwtSecret, parse.GetValue(subject)!, areaList, lifetime, s.JwtIssuer, s.JwtAudience));
            return CliApp.Ok;
        });
        return command;
    }
}
