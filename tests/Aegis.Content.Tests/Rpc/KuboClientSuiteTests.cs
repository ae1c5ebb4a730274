using Aegis.Content.Tests.Support;

namespace Aegis.Content.Tests.Rpc;

/// <summary>
/// The real IPFS RPC client from npm (kubo-rpc-client 7) against a running node's /ipfs-api: add, addAll with
/// directories, cat with offset/length, block put/get/stat, pin add/ls/rm, repo gc, id, version, pubsub
/// publish/subscribe/ls, and Kubo's errors for bad arguments (npm/kubo-suite.mjs holds the checks).
/// </summary>
public sealed class KuboClientSuiteTests
{
    private static readonly string[] Checks =
    [
        "version", "id", "add", "add with cid-version 1 (raw leaves)", "add multi-chunk with progress", "addAll with directories and wrap",
        "cat", "cat with offset and length", "block put, get, stat", "pin add, ls, rm", "repo gc removes unpinned blocks only",
        "pubsub publish and subscribe", "errors for bad arguments",
    ];

    [ToolFact("node")]
    public async Task Kubo_rpc_client_suite_passes_against_a_node()
    {
        await using NodeCluster cluster = await NodeCluster.StartAsync(1, default);
        (int exit, string stdout, string stderr) = await ProcessRunner.RunAsync(
            "node", [Path.Combine(RepoPaths.ContentNpm, "kubo-suite.mjs"), cluster.Url(0) + "/ipfs-api"], RepoPaths.ContentNpm, TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"suite failed:\n{stdout}\n{stderr}\n{cluster.Logs()}");
        foreach (string check in Checks)
        {
            Assert.Contains($"ok {check}\n", stdout, StringComparison.Ordinal);
        }
    }
}
