using System.Diagnostics;
using Aegis.Cli.Cluster;

namespace Aegis.Cluster.Tests;

/// <summary>Runs one `aegis` verb as a child process, as an operator would, and returns its exit code and output.</summary>
internal static class AegisCli
{
    public sealed record Result(int Exit, string Stdout, string Stderr)
    {
        public string LastLine => Stdout.TrimEnd().Split('\n')[^1].Trim();

        public override string ToString() => $"exit {Exit}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct, params string[] args)
    {
        ProcessStartInfo info = AegisExecutable.StartInfo(args);
        foreach ((string k, string v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(ct);
        Task<string> stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // A verb that outlives the test is ended here, by its PID, not left running.
            process.Kill();
            throw;
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
