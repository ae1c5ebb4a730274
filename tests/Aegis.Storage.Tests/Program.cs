using Aegis.Storage.Tests.Tools;

namespace Aegis.Storage.Tests;

/// <summary>
/// The test assembly also runs as a program, for what a test runner cannot do in-process: be the child that
/// <see cref="Sqlite.SqliteCrashSafetyTests"/> kills with SIGKILL, and time commits for the storage report.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["crash-writer", string directory]:
                await CrashWriter.RunAsync(directory);
                return 0;
            case ["bench", .. string[] rest]:
                return await CommitBenchmark.RunAsync(rest);
            default:
                await Console.Error.WriteLineAsync("usage: dotnet Aegis.Storage.Tests.dll crash-writer DIR | bench sqlite [full|normal] [TXS] [BLOCKS] | bench postgresql CONNECTION [TXS] [BLOCKS]");
                return 2;
        }
    }
}
