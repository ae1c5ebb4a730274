using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;

namespace Aegis.Simulation;

/// <summary>
/// A Byzantine validator: the production host underneath, honest inside, with what it sends corrupted on the wire
/// according to its mode — silence, equivocating proposals, conflicting votes, forged senders and signatures, flipped
/// bits, replays of old traffic, forged blocks in the sync chunks it serves.
/// </summary>
public sealed class ByzantineWire(int node, ByzantineMode mode, SimRandom rng, ISigner signer, Genesis genesis, SimScheduler scheduler)
{
    private readonly List<byte[]> _seen = [];

    public int Node { get; } = node;

    public ByzantineMode Mode { get; } = mode;

    private ByzantineMode Now => Mode == ByzantineMode.Mixed ? (ByzantineMode)rng.Next((int)ByzantineMode.Mixed) : Mode;

    /// <summary>The payloads to put on the wire towards <paramref name="to"/> instead of <paramref name="message"/>.</summary>
    public IEnumerable<byte[]> Corrupt(PeerMessage message, int to)
    {
        ByzantineMode mode = Now;
        if (mode == ByzantineMode.Silent)
        {
            yield break;
        }

        // Which peers get the other story changes over time, so the split is not always the same.
        bool otherHalf = (to + (int)(scheduler.Elapsed.TotalMilliseconds / 500)) % 2 == 0;
        switch (message)
        {
            case ConsensusEnvelope { Message: PrePrepare pp } when mode == ByzantineMode.Equivocate && otherHalf:
                yield return new ConsensusEnvelope(SignAs(pp with { Block = AlternativeBlock(pp.Block) })).ToBytes();
                yield break;
            case ConsensusEnvelope { Message: Vote v } when mode == ByzantineMode.ConflictingVotes && otherHalf:
                yield return new ConsensusEnvelope(SignAs(v with { BlockHash = RandomHash() })).ToBytes();
                yield break;
            case ConsensusEnvelope c when mode == ByzantineMode.Forge:
                yield return new ConsensusEnvelope(ForgeMessage(c.Message)).ToBytes();
                break;
            case SyncResponse s when rng.Chance(0.5):
                yield return new SyncResponse([.. s.Blocks.Select(b => rng.Chance(0.5) && b.Block.Transactions.Count > 0 ? b with { Block = CorruptBlock(b.Block) } : b)]).ToBytes();
                yield break;
        }

        // Gossip and sync requests pass unchanged: a Byzantine client's transactions would be valid ones, and the
        // checker's validity rule is that only the simulated clients' transactions commit.
        byte[] bytes = message.ToBytes();
        if (mode == ByzantineMode.Forge && message is ConsensusEnvelope && rng.Chance(0.2))
        {
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        }

        yield return bytes;
    }

    /// <summary>Remembers what it received, for replay attacks.</summary>
    public void Saw(byte[] payload)
    {
        _seen.Add(payload);
        if (_seen.Count > 512)
        {
            _seen.RemoveAt(rng.Next(_seen.Count));
        }
    }

    /// <summary>Unprompted traffic, once per fault tick: a replay of something old, or garbage.</summary>
    public IEnumerable<(int To, byte[] Payload)> Extras(int nodes)
    {
        ByzantineMode mode = Now;
        if (mode == ByzantineMode.Replay && _seen.Count > 0 && rng.Chance(0.3))
        {
            yield return (rng.Next(nodes), rng.Pick(_seen));
        }
        else if (mode == ByzantineMode.Forge && rng.Chance(0.05))
        {
            var garbage = new byte[rng.Next(1, 200)];
            for (int i = 0; i < garbage.Length; i++)
            {
                garbage[i] = (byte)rng.Next(256);
            }

            garbage[0] = (byte)PeerMessageKind.Consensus;

            yield return (rng.Next(nodes), garbage);
        }
    }

    /// <summary>A message claiming to be from someone else, or with a broken signature.</summary>
    private ConsensusMessage ForgeMessage(ConsensusMessage message)
    {
        if (rng.Chance(0.5))
        {
            var victim = (ushort)rng.Next(genesis.Validators.Count);
            return message switch
            {
                PrePrepare pp => pp with { Sender = victim },
                Vote v => v with { Sender = victim },
                CheckpointMessage c => c with { Sender = victim },
                ViewChange vc => vc with { Sender = victim },
                NewView nv => nv with { Sender = victim },
                StatusMessage s => s with { Sender = victim },
                _ => message,
            };
        }

        byte[] signature = (byte[])message.Signature.Clone();
        if (signature.Length > 0)
        {
            signature[rng.Next(signature.Length)] ^= 0x01;
        }

        return message with { Signature = signature };
    }

    private T SignAs<T>(T message)
        where T : ConsensusMessage
    {
        var signature = new byte[Signature.Size];
        signer.Sign(message.SignedBytes(genesis.ChainId), signature);
        return message with { Signature = signature };
    }

    /// <summary>A valid-looking sibling block: same parent and state root, transactions reversed (or a later timestamp).</summary>
    private static Block AlternativeBlock(Block block)
    {
        Transaction[] txs = [.. block.Transactions.Reverse()];
        BlockHeader header = block.Header with { TxRoot = Block.ComputeTxRoot(txs) };
        if (txs.Length < 2)
        {
            header = header with { TimestampMs = header.TimestampMs + 1 };
        }

        return new Block(header, txs);
    }

    private static Block CorruptBlock(Block block)
    {
        Transaction[] txs = [.. block.Transactions];
        txs[0] = Transaction.Put(txs[0].KeyString, "forged-by-sync-peer");
        return new Block(block.Header with { TxRoot = Block.ComputeTxRoot(txs) }, txs);
    }

    private Hash32 RandomHash()
    {
        Span<byte> bytes = stackalloc byte[32];
        for (int i = 0; i < 32; i += 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[i..], rng.NextU64());
        }

        return new Hash32(bytes);
    }
}
