using System.Security.Cryptography;
using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Tests.Consensus;

public class CertificateTests
{
    private static readonly EcdsaP256Signer[] Keys = [.. Enumerable.Range(0, 4).Select(i => EcdsaP256Signer.FromPrivateKey(Scalar(i)))];

    private static readonly Genesis Genesis = new(
        "test-chain",
        1_700_000_000_000,
        new ValidatorSet([.. Keys.Select((k, i) => new Validator((ushort)i, $"node-{i}", k.PublicKey, $"127.0.0.1:{26600 + (10 * i)}"))]),
        new ConsensusParameters());

    private static byte[] Scalar(int i)
    {
        byte[] d = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"certificate-test-{i}"));
        d[0] &= 0x7F;
        return d;
    }

    private static byte[] SignVote(int signer, VoteKind kind, ulong view, ulong height, Hash32 hash)
    {
        var signature = new byte[Signature.Size];
        Keys[signer].Sign(SignBytes.ForVote(kind, Genesis.ChainId, view, height, hash), signature);
        return signature;
    }

    private static T Sign<T>(int signer, T message)
        where T : ConsensusMessage
    {
        var signature = new byte[Signature.Size];
        Keys[signer].Sign(message.SignedBytes(Genesis.ChainId), signature);
        return message with { Signature = signature };
    }

    /// <summary>Block 1 and the certificate three validators' COMMIT votes make for it, as a replica assembles one.</summary>
    private static (Block Block, CommitCertificate Certificate) CommittedBlock()
    {
        Transaction[] txs = [Transaction.Put("k", "v")];
        var block = new Block(new BlockHeader(Genesis.ChainId, 1, 0, Genesis.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, Genesis.GenesisTimeMs, 1), txs);
        ValidatorSignature[] signatures = [.. new[] { 0, 1, 2 }.Select(i => new ValidatorSignature((ushort)i, SignVote(i, VoteKind.Commit, 0, 1, block.Hash)))];
        return (block, new CommitCertificate(1, block.Hash, 0, signatures));
    }

    [Fact]
    public void A_commit_certificate_verifies_offline_with_only_the_genesis_validator_set()
    {
        (Block block, CommitCertificate certificate) = CommittedBlock();
        CommitCertificate decoded = CommitCertificate.FromBytes(certificate.ToBytes());

        Assert.Null(decoded.Verify(Genesis.Validators, Genesis.ChainId, Block.FromBytes(block.ToBytes())));
    }

    [Fact]
    public void A_certificate_knows_its_encoded_size_without_encoding()
    {
        (_, CommitCertificate certificate) = CommittedBlock();
        Assert.Equal(certificate.ToBytes().Length, certificate.EncodedSize);
        CommitCertificate fewer = certificate with { Signatures = [.. certificate.Signatures.Take(1)] };
        Assert.Equal(fewer.ToBytes().Length, fewer.EncodedSize);
    }

    [Fact]
    public void Certificates_with_too_few_duplicate_foreign_or_forged_signatures_are_rejected()
    {
        (Block block, CommitCertificate c) = CommittedBlock();
        ValidatorSet vs = Genesis.Validators;
        string chain = Genesis.ChainId;

        Assert.Contains("needs 3", (c with { Signatures = c.Signatures.Take(2).ToArray() }).Verify(vs, chain, block));
        Assert.Contains("twice", (c with { Signatures = [c.Signatures[0], c.Signatures[0], c.Signatures[1]] }).Verify(vs, chain, block));
        Assert.Contains("not in the validator set", (c with { Signatures = [.. c.Signatures.Take(2), new ValidatorSignature(9, c.Signatures[2].Signature)] }).Verify(vs, chain, block));
        byte[] forged = (byte[])c.Signatures[1].Signature.Clone();
        forged[10] ^= 1;
        Assert.Contains("invalid signature", (c with { Signatures = [c.Signatures[0], new ValidatorSignature(c.Signatures[1].Validator, forged), c.Signatures[2]] }).Verify(vs, chain, block));
        Assert.Contains("invalid signature", c.Verify(vs, "another-chain", block));
        Assert.Contains("height", (c with { Height = 2 }).Verify(vs, chain, block));
    }

    [Fact]
    public void The_verifier_rejects_forged_senders_bad_signatures_and_proposals_from_non_primaries()
    {
        (Block block, _) = CommittedBlock();
        var verifier = new MessageVerifier(Genesis);
        Vote prepare = Sign(1, new Vote(1, MessageType.Prepare, 0, 1, block.Hash));
        PrePrepare proposal = Sign(0, new PrePrepare(0, 0, 1, block));

        Assert.NotNull(verifier.Verify(prepare, out _));
        Assert.NotNull(verifier.Verify(proposal, out _));
        Assert.Null(verifier.Verify(prepare with { Sender = 2 }, out string? forged));
        Assert.Contains("invalid signature", forged);
        Assert.Null(verifier.Verify(prepare with { Sender = 7 }, out string? stranger));
        Assert.Contains("not a validator", stranger);
        Assert.Null(verifier.Verify(Sign(1, proposal with { Sender = 1 }), out string? notPrimary));
        Assert.Contains("not the primary", notPrimary);
    }

    [Fact]
    public void A_key_that_remembers_what_it_verified_gives_the_same_verdicts()
    {
        (Block block, CommitCertificate c) = CommittedBlock();
        PublicKey plain = Keys[0].PublicKey;
        PublicKey memo = plain.WithVerificationMemo(capacity: 2);
        byte[] message = SignBytes.ForVote(VoteKind.Commit, Genesis.ChainId, 0, 1, block.Hash);
        byte[] forged = (byte[])c.Signatures[0].Signature.Clone();
        forged[3] ^= 1;

        Assert.Equal(plain, memo);
        for (int round = 0; round < 3; round++)
        {
            Assert.True(memo.Verify(message, c.Signatures[0].Signature));
            Assert.False(memo.Verify(message, forged));
            Assert.False(memo.Verify(message, c.Signatures[1].Signature));
            Assert.True(Keys[1].PublicKey.WithVerificationMemo(1).Verify(message, c.Signatures[1].Signature));
        }
    }

    /// <summary>Blocks 1..count, each extending the one before, each certified by validators 0-2.</summary>
    private static List<CommittedBlock> Chain(int count)
    {
        var chain = new List<CommittedBlock>();
        Hash32 previous = Genesis.Hash;
        for (ulong h = 1; h <= (ulong)count; h++)
        {
            Transaction[] txs = [Transaction.Put($"k{h}", "v")];
            var block = new Block(new BlockHeader(Genesis.ChainId, h, 0, previous, Block.ComputeTxRoot(txs), Hash32.Zero, 0, Genesis.GenesisTimeMs, 1), txs);
            ValidatorSignature[] signatures = [.. new[] { 0, 1, 2 }.Select(i => new ValidatorSignature((ushort)i, SignVote(i, VoteKind.Commit, 0, h, block.Hash)))];
            chain.Add(new CommittedBlock(block, new CommitCertificate(h, block.Hash, 0, signatures)));
            previous = block.Hash;
        }

        return chain;
    }

    [Fact]
    public void A_sync_chunk_of_linked_certified_blocks_verifies_whole()
    {
        VerifiedChunk? chunk = VerifiedChunk.Verify(Genesis, Chain(5), out string? problem);

        Assert.Null(problem);
        Assert.NotNull(chunk);
        Assert.Equal((1UL, 5UL), (chunk.From, chunk.To));
    }

    [Fact]
    public void A_sync_chunk_keeps_the_blocks_below_a_forged_certificate_a_broken_link_or_a_foreign_chain_and_names_the_first_bad_block()
    {
        List<CommittedBlock> forged = Chain(5);
        CommitCertificate c = forged[2].Certificate;
        forged[2] = forged[2] with { Certificate = c with { Signatures = [c.Signatures[0], c.Signatures[1], c.Signatures[0] with { Validator = 3 }] } };
        List<CommittedBlock> unlinked = Chain(5);
        unlinked.RemoveAt(3);
        List<CommittedBlock> foreign = Chain(2);
        Transaction[] txs = [Transaction.Put("x", "y")];
        var other = new Block(new BlockHeader("other-chain", 3, 0, foreign[1].Block.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, Genesis.GenesisTimeMs, 1), txs);
        foreign.Add(new CommittedBlock(other, new CommitCertificate(3, other.Hash, 0, [.. new[] { 0, 1, 2 }.Select(i => new ValidatorSignature((ushort)i, SignVote(i, VoteKind.Commit, 0, 3, other.Hash)))])));

        Assert.Equal(2UL, VerifiedChunk.Verify(Genesis, forged, out string? p1)!.To);
        Assert.Contains("block 3", p1);
        Assert.Equal(3UL, VerifiedChunk.Verify(Genesis, unlinked, out string? p2)!.To);
        Assert.Contains("block 5 does not follow block 3", p2);
        Assert.Equal(2UL, VerifiedChunk.Verify(Genesis, foreign, out string? p3)!.To);
        Assert.Contains("other-chain", p3);
        Assert.Null(VerifiedChunk.Verify(Genesis, forged.Skip(2).ToList(), out string? p4));
        Assert.Contains("block 3", p4);
    }
}
