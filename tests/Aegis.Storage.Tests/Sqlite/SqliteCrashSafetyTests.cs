using System.Diagnostics;
using System.Globalization;
using Aegis.Storage.Sqlite;
using Aegis.Storage.Tests.Support;
using Aegis.Storage.Tests.Tools;

namespace Aegis.Storage.Tests.Sqlite;

/// <summary>
/// A real crash: a child process commits blocks in a loop and is killed with SIGKILL at an arbitrary point, three
/// times over the same data directory. Each time the store must reopen at a tip that includes every block the child
/// had acknowledged and whose contents re-execute to exactly the stored state.
/// </summary>
public sealed class SqliteCrashSafetyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_writer_killed_with_SIGKILL_reopens_at_a_consistent_durable_tip()
    {
        string[] keys = [.. Enumerable.Range(0, CrashWriter.KeySpace).Select(i => $"k{i}")];
        ulong acknowledged = 0;
        for (int round = 0; round < 3; round++)
        {
            acknowledged = await RunAndKillAsync(untilHeight: acknowledged + 15);

            await using var store = new SqliteNodeStore(_dir.Path, new ChainBuilder().GenesisHash);
            await store.InitializeAsync(default);
            ChainTip tip = await ChainReplay.VerifyAsync(store, keys);

            // Every acknowledged commit survived; at most the one in flight at the kill went in unacknowledged.
            Assert.InRange(tip.Height, acknowledged, acknowledged + 1);
            Assert.Equal(tip.BlockHash, (await store.GetBlockAsync(tip.Height, default))!.Block.Hash);
            Assert.All(await store.ReadConsensusRecordAsync(default), e => Assert.True(e.Height <= tip.Height + 1));
            acknowledged = tip.Height;
        }
    }

    /// <summary>Runs the writer until it acknowledges <paramref name="untilHeight"/>, kills it a moment later, returns the last acknowledged height.</summary>
    private async Task<ulong> RunAndKillAsync(ulong untilHeight)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SqliteCrashSafetyTests).Assembly.Location);
        start.ArgumentList.Add("crash-writer");
        start.ArgumentList.Add(_dir.Path);

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("could not start the crash writer");
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        ulong last = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            while (last < untilHeight)
            {
                string? line = await child.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    Assert.Fail($"the crash writer exited early (code {child.ExitCode}): {await stderr}");
                }

                last = Parse(line);
            }

            // Let it get into the middle of a later commit before pulling the plug.
            await Task.Delay(Random.Shared.Next(0, 25));
        }
        finally
        {
            child.Kill(entireProcessTree: true); // SIGKILL on Unix: no finally blocks, no flush, no dispose
            await child.WaitForExitAsync(CancellationToken.None);
        }

        // Lines still in the pipe were printed before the kill, so their commits had returned. The last one may be cut
        // short by the kill ("commi", or "committed 4" of 45): only whole numbers count, and never lower the maximum.
        while (await child.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            if (line.StartsWith("committed ", StringComparison.Ordinal) && ulong.TryParse(line.AsSpan("committed ".Length), CultureInfo.InvariantCulture, out ulong height))
            {
                last = Math.Max(last, height);
            }
        }

        return last;
    }

    private static ulong Parse(string line) =>
        line.StartsWith("committed ", StringComparison.Ordinal)
            ? ulong.Parse(line.AsSpan("committed ".Length), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"unexpected output from the crash writer: {line}");
}
