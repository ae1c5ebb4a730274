using Aegis.Core.Consensus;
using Aegis.Core.Ledger;

using Aegis.Simulation;

namespace Aegis.Core.Tests.Consensus;

public class CertificateTests
{
    private static (LocalCluster Cluster, CommitBlock Commit) CommittedBlock()
    {
        var cluster = new LocalCluster(4);
        cluster.Submit(Transaction.Put("k", "v"));
        return (cluster, cluster.OutputsOf<CommitBlock>(2).Single());
    }

    [Fact]
    public void A_commit_certificate_verifies_offline_with_only_the_genesis_validator_set()
    {
        (LocalCluster cluster, CommitBlock commit) = CommittedBlock();
        CommitCertificate decoded = CommitCertificate.FromBytes(commit.Certificate.ToBytes());
        Block block = Block.FromBytes(commit.Block.ToBytes());

        Assert.Null(decoded.Verify(cluster.Genesis.Validators, cluster.Genesis.ChainId, block));
    }

    [Fact]
    public void A_certificate_knows_its_encoded_size_without_encoding()
    {
        (_, CommitBlock commit) = CommittedBlock();
        Assert.Equal(commit.Certificate.ToBytes().Length, commit.Certificate.EncodedSize);
        CommitCertificate fewer = commit.Certificate with { Signatures = [.. commit.Certificate.Signatures.Take(1)] };
        Assert.Equal(fewer.ToBytes().Length, fewer.EncodedSize);
    }

    [Fact]
    public void Certificates_with_too_few_duplicate_foreign_or_forged_signatures_are_rejected()
    {
        (LocalCluster cluster, CommitBlock commit) = CommittedBlock();
        CommitCertificate c = commit.Certificate;
        ValidatorSet vs = cluster.Genesis.Validators;
        string chain = cluster.Genesis.ChainId;

        Assert.Contains("needs 3", (c with { Signatures = c.Signatures.Take(2).ToArray() }).Verify(vs, chain, commit.Block));
        Assert.Contains("twice", (c with { Signatures = [c.Signatures[0], c.Signatures[0], c.Signatures[1]] }).Verify(vs, chain, commit.Block));
        Assert.Contains("not in the validator set", (c with { Signatures = [.. c.Signatures.Take(2), new ValidatorSignature(9, c.Signatures[2].Signature)] }).Verify(vs, chain, commit.Block));
        byte[] forged = (byte[])c.Signatures[1].Signature.Clone();
        forged[10] ^= 1;
        Assert.Contains("invalid signature", (c with { Signatures = [c.Signatures[0], new ValidatorSignature(c.Signatures[1].Validator, forged), c.Signatures[2]] }).Verify(vs, chain, commit.Block));
        Assert.Contains("invalid signature", c.Verify(vs, "another-chain", commit.Block));
        Assert.Contains("height", (c with { Height = 2 }).Verify(vs, chain, commit.Block));
    }

    [Fact]
    public void The_verifier_rejects_forged_senders_bad_signatures_and_proposals_from_non_primaries()
    {
        (LocalCluster cluster, _) = CommittedBlock();
        var prepare = cluster.OutputsOf<Broadcast>(1).Select(b => b.Message).OfType<Aegis.Core.Consensus.Messages.Vote>().First();
        var proposal = cluster.OutputsOf<Broadcast>(0).Select(b => b.Message).OfType<Aegis.Core.Consensus.Messages.PrePrepare>().First();

        Assert.NotNull(cluster.Verifier.Verify(prepare, out _));
        Assert.Null(cluster.Verifier.Verify(prepare with { Sender = 2 }, out string? forged));
        Assert.Contains("invalid signature", forged);
        Assert.Null(cluster.Verifier.Verify(prepare with { Sender = 7 }, out string? stranger));
        Assert.Contains("not a validator", stranger);
        Assert.Null(cluster.Verifier.Verify(proposal with { Sender = 1, View = 0 }, out string? notPrimary));
        Assert.NotNull(notPrimary);
    }
}
