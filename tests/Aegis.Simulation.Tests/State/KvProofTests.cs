using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage;

namespace Aegis.Simulation.Tests.State;

/// <summary>
/// Reads proven against certified headers, with certificates made by the real replicas (a block committed by the
/// simulator's production hosts) or signed by the cluster's validator keys over the same COMMIT sign bytes the replicas use.
/// </summary>
public class KvProofTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>
    /// A block committed by 4 production hosts in the simulator (pipeline depth 2), as validator 2 stored it: its header
    /// carries the empty state's root.
    /// </summary>
    private static (SimCluster Cluster, StoredBlock Commit) Committed()
    {
        var cluster = new SimCluster(new SimClusterOptions { Parameters = new ConsensusParameters { CheckpointInterval = 4, PipelineDepth = 2, DedupHorizonBlocks = 4 } });
        cluster.StartAll();
        cluster.Submit(Transaction.Put("k", "v"));
        Assert.True(cluster.RunUntil(() => cluster.Height(2) >= 1, TimeSpan.FromSeconds(5)), "the simulated cluster committed nothing");
        return (cluster, cluster.Chain(2)[0]);
    }

    /// <summary>The header of a real block with another state root, certified by <paramref name="signers"/> as the replicas would.</summary>
    private static (BlockHeader Header, CommitCertificate Certificate) Certify(SimCluster cluster, BlockHeader template, Hash32 stateRoot, params int[] signers)
    {
        BlockHeader header = template with { StateRoot = stateRoot };
        ulong view = 0;
        byte[] message = SignBytes.ForVote(VoteKind.Commit, cluster.Genesis.ChainId, view, header.Height, header.Hash);
        var signatures = signers.Select(i =>
        {
            var signature = new byte[Signature.Size];
            cluster.Signer(i).Sign(message, signature);
            return new ValidatorSignature((ushort)i, signature);
        }).ToList();
        return (header, new CommitCertificate(header.Height, header.Hash, view, signatures));
    }

    private static (InMemoryTreeNodeStore Store, Hash32 Root) State()
    {
        var store = new InMemoryTreeNodeStore();
        TreeUpdate u = StateTree.Update(store, StateTree.EmptyRoot, [.. Enumerable.Range(0, 300).Select(i => new StateChange(B($"user/{i}"), B($"balance {i * 7}")))], 1);
        store.Apply(u, 1);
        return (store, u.Root);
    }

    [Fact]
    public void An_absence_proof_against_a_header_committed_by_the_real_replicas_verifies_with_only_the_genesis()
    {
        (SimCluster cluster, StoredBlock commit) = Committed();
        using SimCluster owned = cluster;
        Assert.Equal(StateTree.EmptyRoot, commit.Block.Header.StateRoot);
        var proof = new KvProof(commit.Block.Header, commit.Certificate, B("k"), null, StateTree.Prove(new InMemoryTreeNodeStore(), StateTree.EmptyRoot, B("k"), out _));
        Genesis genesis = GenesisDocument.Parse(GenesisDocument.From(cluster.Genesis).ToJson(), out _)!;

        Assert.Null(KvProof.FromBytes(proof.ToBytes()).Verify(genesis));
        Assert.Null(KvProofJson.Parse(KvProofJson.From(proof, genesis.Parameters.PipelineDepth).ToJson(), genesis.Parameters.PipelineDepth).Verify(genesis));
        Assert.Contains("present", (proof with { Value = B("v") }).Verify(genesis));
    }

    [Fact]
    public void A_value_proof_verifies_and_every_forgery_is_named()
    {
        (SimCluster cluster, StoredBlock commit) = Committed();
        using SimCluster owned = cluster;
        (InMemoryTreeNodeStore store, Hash32 root) = State();
        (BlockHeader header, CommitCertificate certificate) = Certify(cluster, commit.Block.Header, root, 0, 2, 3);
        StateProof stateProof = StateTree.Prove(store, root, B("user/42"), out byte[]? value);
        Assert.Equal("balance 294", System.Text.Encoding.UTF8.GetString(value!));
        var proof = new KvProof(header, certificate, B("user/42"), value, stateProof);
        Genesis genesis = cluster.Genesis;

        Assert.Null(proof.Verify(genesis));
        Assert.Contains("value does not match", (proof with { Value = B("balance 1000000") }).Verify(genesis));
        Assert.Contains("claimed absent", (proof with { Value = null }).Verify(genesis));
        Assert.Contains("another key", (proof with { Key = B("user/43") }).Verify(genesis));

        // A header whose state root the validators did not sign.
        Assert.Contains("hashes to", (proof with { Header = header with { StateRoot = Hash32.Compute(B("other")) } }).Verify(genesis));

        // Too few signatures, a forged one, another chain's genesis.
        Assert.Contains("needs 3", (proof with { Certificate = certificate with { Signatures = [.. certificate.Signatures.Take(2)] } }).Verify(genesis));
        byte[] forged = (byte[])certificate.Signatures[1].Signature.Clone();
        forged[5] ^= 1;
        Assert.Contains("invalid signature", (proof with { Certificate = certificate with { Signatures = [certificate.Signatures[0], certificate.Signatures[1] with { Signature = forged }, certificate.Signatures[2]] } }).Verify(genesis));
        var foreign = new Genesis("another-chain", genesis.GenesisTimeMs, genesis.Validators, genesis.Parameters);
        Assert.Contains("another-chain", proof.Verify(foreign));

        // Other validators (same chain id, other keys) do not certify it either.
        var strangers = new ValidatorSet([.. SimKeys.For(8).Skip(4).Select((s, i) => new Validator((ushort)i, $"stranger-{i}", s.PublicKey, $"127.0.0.1:{30000 + i}"))]);
        Assert.Contains("invalid signature", proof.Verify(new Genesis(genesis.ChainId, genesis.GenesisTimeMs, strangers, genesis.Parameters)));
    }

    [Fact]
    public void Every_altered_byte_of_a_binary_proof_is_refused()
    {
        (SimCluster cluster, StoredBlock commit) = Committed();
        using SimCluster owned = cluster;
        (InMemoryTreeNodeStore store, Hash32 root) = State();
        (BlockHeader header, CommitCertificate certificate) = Certify(cluster, commit.Block.Header, root, 1, 2, 3);
        foreach (string key in new[] { "user/7", "nobody" })
        {
            StateProof stateProof = StateTree.Prove(store, root, B(key), out byte[]? value);
            byte[] bytes = new KvProof(header, certificate, B(key), value, stateProof).ToBytes();
            for (int i = 0; i < bytes.Length; i++)
            {
                byte[] altered = (byte[])bytes.Clone();
                altered[i] ^= 0x41;
                string? verdict;
                try
                {
                    verdict = KvProof.FromBytes(altered).Verify(cluster.Genesis);
                }
                catch (CodecException ex)
                {
                    verdict = ex.Message;
                }

                Assert.True(verdict is not null, $"{key}: byte {i} of {bytes.Length} altered, still verifies");
            }
        }
    }

    [Fact]
    public void A_json_proof_whose_readable_fields_disagree_with_the_signed_header_is_refused()
    {
        (SimCluster cluster, StoredBlock commit) = Committed();
        using SimCluster owned = cluster;
        (InMemoryTreeNodeStore store, Hash32 root) = State();
        (BlockHeader header, CommitCertificate certificate) = Certify(cluster, commit.Block.Header, root, 0, 1, 2);
        StateProof stateProof = StateTree.Prove(store, root, B("user/1"), out byte[]? value);
        int depth = cluster.Genesis.Parameters.PipelineDepth;
        KvProofJson doc = KvProofJson.From(new KvProof(header, certificate, B("user/1"), value, stateProof), depth);
        Assert.Equal(KvProof.StateHeightOf(header.Height, depth), doc.Height);
        Assert.Null(KvProofJson.Parse(doc.ToJson(), depth).Verify(cluster.Genesis));

        doc.Proof!.StateRoot = Hash32.Zero.ToString();
        Assert.Contains("state_root", Assert.Throws<CodecException>(() => KvProofJson.Parse(doc.ToJson(), depth)).Message);
        doc = KvProofJson.From(new KvProof(header, certificate, B("user/1"), value, stateProof), depth);
        doc.Height += 1;
        Assert.Contains("height", Assert.Throws<CodecException>(() => KvProofJson.Parse(doc.ToJson(), depth)).Message);
        doc = KvProofJson.From(new KvProof(header, certificate, B("user/1"), value, stateProof), depth);
        doc.Value = "balance 8";
        Assert.Contains("value", KvProofJson.Parse(doc.ToJson(), depth).Verify(cluster.Genesis));
        doc.Proof!.Siblings![0] = "zz";
        Assert.Contains("siblings[0]", Assert.Throws<CodecException>(() => KvProofJson.Parse(doc.ToJson(), depth)).Message);
        Assert.Contains("proof", Assert.Throws<CodecException>(() => KvProofJson.Parse("{\"key\":\"a\",\"value\":\"b\",\"height\":3}", depth)).Message);
    }
}
