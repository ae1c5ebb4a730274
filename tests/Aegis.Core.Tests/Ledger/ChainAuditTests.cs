using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Tests.Ledger;

/// <summary>The chain rules every reader of a committed chain applies (the simulator's audit, replay, observers).</summary>
public class ChainAuditTests
{
    private static readonly EcdsaP256Signer Key = EcdsaP256Signer.FromPrivateKey(System.Security.Cryptography.SHA256.HashData("chain-audit-test"u8));

    private static readonly Genesis Genesis = new(
        "audit-chain",
        1_700_000_000_000,
        new ValidatorSet([new Validator(0, "node-0", Key.PublicKey, "127.0.0.1:1")]),
        new ConsensusParameters());

    private static Block Next(ulong height, Hash32 previous, string chainId = "audit-chain", params Transaction[] txs) =>
        new(new BlockHeader(chainId, height, 0, previous, Block.ComputeTxRoot(txs), Hash32.Zero, 0, Genesis.GenesisTimeMs + (long)height, (uint)txs.Length), txs);

    // The certificate check is the caller's (its own tests are CertificateTests); here it accepts every certificate.
    private static ChainAudit Audit() => new(Genesis, (_, _) => null);

    private static CommitCertificate AnyCertificate(Block b) => new(b.Height, b.Hash, 0, []);

    [Fact]
    public void A_chain_that_follows_its_rules_is_appended_block_by_block()
    {
        ChainAudit audit = Audit();
        Block one = Next(1, Genesis.Hash, txs: Transaction.Put("a", "1"));
        Block two = Next(2, one.Hash, txs: Transaction.Put("b", "2"));

        Assert.Null(audit.Append(one, AnyCertificate(one)));
        Assert.Null(audit.Append(two, AnyCertificate(two)));
        Assert.Equal(2UL, audit.Height);
        Assert.Equal(two.Hash, audit.TipHash);
        Assert.Equal(2, audit.TransactionCount);
    }

    [Fact]
    public void Each_broken_rule_is_named_and_the_tip_stays()
    {
        ChainAudit audit = Audit();
        Block one = Next(1, Genesis.Hash, txs: Transaction.Put("a", "1"));
        Assert.Null(audit.Append(one, AnyCertificate(one)));

        Block gap = Next(3, one.Hash);
        Assert.Equal("block 2 is missing (the next block is 3)", audit.Append(gap, AnyCertificate(gap)));
        Assert.Equal("block 1 appears again after 1", audit.Append(one, AnyCertificate(one)));
        Block otherChain = Next(2, one.Hash, "other-chain");
        Assert.Equal("the block is of chain 'other-chain', the genesis is of 'audit-chain'", audit.Append(otherChain, AnyCertificate(otherChain)));
        Block unlinked = Next(2, Genesis.Hash);
        Assert.Contains("the hash chain is broken", audit.Append(unlinked, AnyCertificate(unlinked)));
        Block again = Next(2, one.Hash, txs: Transaction.Put("a", "1"));
        Assert.Contains("is already in the chain below", audit.Append(again, AnyCertificate(again)));
        Block lying = new(Next(2, one.Hash, txs: Transaction.Put("c", "3")).Header, [Transaction.Put("d", "4")]);
        Assert.Contains("tx", audit.Append(lying, AnyCertificate(lying)), StringComparison.Ordinal);

        Assert.Equal(1UL, audit.Height);
        Assert.Equal(one.Hash, audit.TipHash);
        Assert.Equal(1, audit.TransactionCount);
    }

    [Fact]
    public void A_certificate_the_check_refuses_refuses_the_block()
    {
        var audit = new ChainAudit(Genesis, (_, _) => "no quorum");
        Block one = Next(1, Genesis.Hash);

        Assert.Equal("no quorum", audit.Append(one, AnyCertificate(one)));
        Assert.Equal(0UL, audit.Height);
    }
}
