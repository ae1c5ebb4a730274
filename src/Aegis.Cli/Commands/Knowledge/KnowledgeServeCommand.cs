using System.CommandLine;
using Aegis.Knowledge.Configuration;
using Aegis.Knowledge.Hosting;
using Aegis.Node.Configuration;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>`aegis knowledge serve --config knowledge.yaml`: the knowledge service in the foreground until Ctrl+C or SIGTERM.</summary>
public static class KnowledgeServeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "path of knowledge.yaml", Required = true };
        var command = new Command("serve", "run the knowledge service (API on api.port, default 8080)") { config };
        command.SetAction(async (parse, outer) =>
        {
            using var stop = new ShutdownSignal(outer);
            KnowledgeConfigResult loaded = KnowledgeConfigLoader.Load(parse.GetValue(config)!, ConfigLoader.ProcessEnvironment());
            if (!loaded.Ok)
            {
                return CliErrors.Report("knowledge serve", loaded.Problems);
            }

            try
            {
                await using KnowledgeServer server = await KnowledgeHost.StartAsync(loaded.Config!, stop.Token);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }

                return CliApp.Ok;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or Npgsql.NpgsqlException or Microsoft.Data.Sqlite.SqliteException or Aegis.Storage.StorageException or InvalidDataException)
            {
                return CliErrors.Fail("knowledge serve", ex.Message);
            }
        });
        return command;
    }
}
