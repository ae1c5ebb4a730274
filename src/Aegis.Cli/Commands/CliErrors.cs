namespace Aegis.Cli.Commands;

/// <summary>One way to report bad input: one line per problem on stderr, exit code 2.</summary>
internal static class CliErrors
{
    public static int Report(string verb, IEnumerable<string> problems)
    {
        foreach (string p in problems)
        {
            Console.Error.WriteLine($"aegis {verb}: {p}");
        }

        return CliApp.BadUsage;
    }

    public static int Fail(string verb, string message)
    {
        Console.Error.WriteLine($"aegis {verb}: {message}");
        return CliApp.Failure;
    }
}
