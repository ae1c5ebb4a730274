using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;
using Aegis.Fuzz.Targets;
using Aegis.Network;

namespace Aegis.Fuzz.Tests;

/// <summary>Every committed input (seeds and past crashes) runs through its target in-process on every test run.</summary>
public sealed class CorpusTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_committed_input_of_a_target_runs_without_a_finding(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        string[] inputs = [.. Repo.Inputs(name)];
        Assert.True(inputs.Length > 0, $"fuzz/corpus/{name} has no seeds");
        foreach (string file in inputs)
        {
            Exception? finding = FuzzTargets.Try(target, File.ReadAllBytes(file));
            Assert.True(finding is null, $"{Path.GetRelativePath(Repo.Root, file)}: {finding}");
        }
    }

    [Fact]
    public void Every_target_has_a_seed_folder_and_every_seed_folder_a_target()
    {
        string[] folders = [.. Directory.GetDirectories(Path.Combine(Repo.Fuzz, "corpus")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void The_consensus_seeds_carry_valid_signatures_so_fuzzing_reaches_past_the_signature_check()
    {
        var verifier = new MessageVerifier(FuzzChain.Genesis);
        var types = new HashSet<MessageType>();
        foreach (string file in Repo.Inputs("consensus-message").Where(f => f.Contains("corpus", StringComparison.Ordinal)))
        {
            ConsensusMessage m = ConsensusMessage.FromBytes(File.ReadAllBytes(file));
            Assert.True(verifier.Verify(m, out string? error) is not null, $"{file}: {error}");
            types.Add(m.Type);
        }

        Assert.Equal(Enum.GetValues<MessageType>().Order(), types.Order());
    }

    [Fact]
    public void The_sync_seed_is_a_chain_the_replica_accepts_so_fuzzing_reaches_block_application()
    {
        byte[] seed = File.ReadAllBytes(Path.Combine(Repo.Fuzz, "corpus", "sync-chunk", "seed-000"));
        Assert.Equal(3, SyncTargets.AcceptedBlocks(seed));

        // The third block with the second one's certificate: the replica keeps the first two and stops there.
        var chunk = (SyncResponse)PeerMessage.FromBytes([(byte)PeerMessageKind.SyncResponse, .. seed]);
        CommittedBlock[] blocks = [.. chunk.Blocks];
        blocks[2] = blocks[2] with { Certificate = blocks[1].Certificate };
        byte[] bad = new SyncResponse(blocks).ToBytes()[1..];
        Assert.Equal(2, SyncTargets.AcceptedBlocks(bad));
    }

    [Fact]
    public void The_backup_seeds_restore_plain_and_sealed_so_fuzzing_reaches_the_replay()
    {
        string[] seeds = [.. Directory.GetFiles(Path.Combine(Repo.Fuzz, "corpus", "backup")).Order(StringComparer.Ordinal)];
        ulong?[] heights = [.. seeds.Select(f => BackupTargets.Restore(File.ReadAllBytes(f)))];

        // Pairs (plain, sealed) of an empty chain, two blocks and the whole seed chain.
        Assert.Equal(6, heights.Length);
        Assert.All(heights, h => Assert.NotNull(h));
        Assert.Equal([0UL, 0UL, 2UL, 2UL], heights[..4]);
        Assert.True(heights[4] > 2 && heights[4] == heights[5], string.Join(", ", heights));

        // One flipped bit in the last block record of each: refused (the plain file by its checks, the sealed one by AES-GCM).
        foreach (string seed in seeds[4..])
        {
            byte[] bad = File.ReadAllBytes(seed);
            bad[^200] ^= 0x01;
            Assert.Null(BackupTargets.Restore(bad));
        }
    }
}
