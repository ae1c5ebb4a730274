using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;
using Aegis.Core.Tests.Consensus;

namespace Aegis.Core.Tests.Encoding;

public class CodecTests
{
    [Fact]
    public void Transactions_round_trip_and_hash_by_content()
    {
        Transaction tx = Transaction.Put("ключ", "value", clientId: "c-1");
        Transaction back = Transaction.FromBytes(tx.ToBytes());

        Assert.Equal(tx.Hash, back.Hash);
        Assert.Equal("ключ", back.KeyString);
        Assert.Equal("c-1", back.ClientIdString);
        Assert.Equal(tx.Hash, Transaction.Put("ключ", "value", clientId: "c-1").Hash);
        Assert.NotEqual(tx.Hash, Transaction.Put("ключ", "value", clientId: "c-2").Hash);
    }

    [Fact]
    public void Bad_transactions_are_refused_with_the_field_named()
    {
        Assert.Contains("key", Assert.Throws<ArgumentException>(() => Transaction.Put("", "v")).Message);
        Assert.Contains("key", Assert.Throws<ArgumentException>(() => Transaction.Put(new string('k', LedgerLimits.MaxKeyBytes + 1), "v")).Message);
        Assert.Contains("value", Assert.Throws<ArgumentException>(() => Transaction.Put("k", new string('v', LedgerLimits.MaxValueBytes + 1))).Message);
        Assert.Contains("id", Assert.Throws<ArgumentException>(() => Transaction.Put("k", "v", new string('i', 65))).Message);
    }

    [Fact]
    public void Trailing_bytes_truncation_and_unknown_versions_are_rejected()
    {
        byte[] bytes = Transaction.Put("k", "v").ToBytes();

        Assert.Contains("trailing", Assert.Throws<CodecException>(() => Transaction.FromBytes([.. bytes, 0])).Message);
        Assert.Contains("remain", Assert.Throws<CodecException>(() => Transaction.FromBytes(bytes.AsSpan(0, bytes.Length - 1))).Message);
        byte[] wrongVersion = (byte[])bytes.Clone();
        wrongVersion[0] = 9;
        Assert.Contains("tx.version", Assert.Throws<CodecException>(() => Transaction.FromBytes(wrongVersion)).Message);
    }

    [Fact]
    public void Lengths_and_counts_are_bounded_before_anything_is_allocated()
    {
        // A value claiming 4 GiB must fail on the bound, not on an allocation.
        byte[] huge = [1, 1, 0, 1, (byte)'k', 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Contains("exceeds the limit", Assert.Throws<CodecException>(() => Transaction.FromBytes(huge)).Message);

        var w = new CanonicalWriter();
        new BlockHeader("c", 1, 0, default, default, default, 0, 0, 1).WriteTo(w);
        w.WriteU32(uint.MaxValue);
        Assert.Contains("block.tx_count", Assert.Throws<CodecException>(() => Block.FromBytes(w.WrittenSpan)).Message);
    }

    [Fact]
    public void Random_garbage_never_decodes_into_a_message_by_accident_without_an_error_naming_a_field()
    {
        var rng = new Random(7);
        for (int i = 0; i < 5000; i++)
        {
            var bytes = new byte[rng.Next(0, 300)];
            for (int j = 0; j < bytes.Length; j++)
            {
                bytes[j] = (byte)rng.Next(256);
            }

            try
            {
                ConsensusMessage.FromBytes(bytes);
            }
            catch (CodecException ex)
            {
                Assert.Matches("^[a-z_.\\[\\]0-9 -]+:", ex.Message);
            }
        }
    }
}
