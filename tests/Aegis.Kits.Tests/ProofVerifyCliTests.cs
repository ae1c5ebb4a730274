using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Kits.Tests.Support;
using Aegis.Simulation;

namespace Aegis.Kits.Tests;

/// <summary>`aegis proof verify` as a user runs it: the built executable, a genesis file and a proof file, nothing else.</summary>
public sealed class ProofVerifyCliTests : IDisposable
{
    private readonly string _dir = Repo.TempDir("proof");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>A real committed block's header, re-rooted on a tree and certified by validators 0, 1 and 3 over the replicas' COMMIT sign bytes.</summary>
    private (string Genesis, KvProof Present, KvProof Absent, int Depth) Fixture()
    {
        using var cluster = new SimCluster(new SimClusterOptions());
        cluster.StartAll();
        cluster.Submit(Transaction.Put("k", "v"));
        Assert.True(cluster.RunUntil(() => cluster.Height(0) >= 1, TimeSpan.FromSeconds(5)), "the simulated cluster committed nothing");
        Aegis.Storage.StoredBlock commit = cluster.Chain(0)[0];
        var store = new InMemoryTreeNodeStore();
        TreeUpdate u = StateTree.Update(store, StateTree.EmptyRoot, [.. Enumerable.Range(0, 64).Select(i => new StateChange(B($"cfg/{i}"), B($"on-{i}")))], 1);
        store.Apply(u, 1);
        BlockHeader header = commit.Block.Header with { StateRoot = u.Root };
        byte[] message = SignBytes.ForVote(VoteKind.Commit, cluster.Genesis.ChainId, 0, header.Height, header.Hash);
        var certificate = new CommitCertificate(header.Height, header.Hash, 0, [.. new[] { 0, 1, 3 }.Select(i =>
        {
            var signature = new byte[Signature.Size];
            cluster.Signer(i).Sign(message, signature);
            return new ValidatorSignature((ushort)i, signature);
        })]);
        string genesis = Path.Combine(_dir, "genesis.json");
        File.WriteAllText(genesis, GenesisDocument.From(cluster.Genesis).ToJson());
        StateProof present = StateTree.Prove(store, u.Root, B("cfg/9"), out byte[]? value);
        StateProof absent = StateTree.Prove(store, u.Root, B("cfg/none"), out _);
        return (genesis, new KvProof(header, certificate, B("cfg/9"), value, present), new KvProof(header, certificate, B("cfg/none"), null, absent), cluster.Genesis.Parameters.PipelineDepth);
    }

    private Tool.Result Verify(string genesis, string proofFile) => Tool.Run(Repo.Aegis, ["proof", "verify", "--genesis", genesis, "--proof", proofFile]);

    [Fact]
    public void A_json_or_binary_proof_verifies_offline_and_a_tampered_one_exits_1_saying_why()
    {
        (string genesis, KvProof present, KvProof absent, int depth) = Fixture();
        string json = Path.Combine(_dir, "present.json");
        File.WriteAllText(json, KvProofJson.From(present, depth).ToJson());
        Tool.Result ok = Verify(genesis, json).AssertSuccess();
        Assert.StartsWith($"ok: key=cfg/9 height={KvProof.StateHeightOf(present.Header.Height, depth)} value=on-9", ok.Stdout.Trim(), StringComparison.Ordinal);

        string binary = Path.Combine(_dir, "absent.bin");
        File.WriteAllBytes(binary, absent.ToBytes());
        Assert.Contains("key=cfg/none", Verify(genesis, binary).AssertSuccess().Stdout, StringComparison.Ordinal);
        Assert.Contains(" absent ", Verify(genesis, binary).Stdout, StringComparison.Ordinal);

        // The node lied about the value.
        File.WriteAllText(json, KvProofJson.From(present, depth).ToJson().Replace("\"on-9\"", "\"off\"", StringComparison.Ordinal));
        Tool.Result lie = Verify(genesis, json);
        Assert.Equal(1, lie.ExitCode);
        Assert.Contains("value does not match", lie.Stderr, StringComparison.Ordinal);

        // A certificate with one signature removed is not a quorum.
        File.WriteAllText(json, KvProofJson.From(present with { Certificate = present.Certificate with { Signatures = [.. present.Certificate.Signatures.Take(2)] } }, depth).ToJson());
        Tool.Result weak = Verify(genesis, json);
        Assert.Equal(1, weak.ExitCode);
        Assert.Contains("certificate", weak.Stderr, StringComparison.Ordinal);

        // Truncated binary.
        File.WriteAllBytes(binary, absent.ToBytes()[..^3]);
        Tool.Result truncated = Verify(genesis, binary);
        Assert.Equal(1, truncated.ExitCode);
        Assert.Contains("absent.bin", truncated.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_files_and_a_bad_genesis_are_usage_errors()
    {
        Tool.Result missing = Verify(Path.Combine(_dir, "nope.json"), Path.Combine(_dir, "nope-proof.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--genesis", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("--proof", missing.Stderr, StringComparison.Ordinal);

        string genesis = Path.Combine(_dir, "genesis.json");
        File.WriteAllText(genesis, "{ not json");
        string proof = Path.Combine(_dir, "p.json");
        File.WriteAllText(proof, "{}");
        Tool.Result bad = Verify(genesis, proof);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--genesis", bad.Stderr, StringComparison.Ordinal);
    }
}
