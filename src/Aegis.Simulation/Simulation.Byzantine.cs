using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Simulation;

// Byzantine replicas: the real replica underneath, with its outgoing traffic corrupted according to its mode.
public sealed partial class Simulation
{
    private ByzantineMode ModeFor(SimNode node) =>
        node.Byzantine == ByzantineMode.Mixed ? (ByzantineMode)node.Rng.Next((int)ByzantineMode.Mixed) : node.Byzantine!.Value;

    private void ByzantineTransmit(SimNode from, int to, ConsensusMessage message)
    {
        bool otherHalf = (to + (int)(_tick / 50)) % 2 == 0;
        switch (ModeFor(from))
        {
            case ByzantineMode.Silent:
                _dropped++;
                return;

            case ByzantineMode.Equivocate when message is PrePrepare pp && otherHalf:
                Send(from.Index, to, SignAs(from.Index, pp with { Block = AlternativeBlock(pp.Block) }).ToBytes());
                return;

            case ByzantineMode.ConflictingVotes when message is Vote v && otherHalf:
                Send(from.Index, to, SignAs(from.Index, v with { BlockHash = RandomHash(from.Rng) }).ToBytes());
                return;

            case ByzantineMode.Forge:
                Send(from.Index, to, Forge(from, message));
                break;
        }

        Send(from.Index, to, message.ToBytes());
    }

    /// <summary>Unprompted traffic: replays of old messages and random garbage.</summary>
    private void ByzantineExtras(SimNode node)
    {
        if (!node.IsByzantine || node.Crashed)
        {
            return;
        }

        ByzantineMode mode = ModeFor(node);
        if (mode == ByzantineMode.Replay && node.Seen.Count > 0 && node.Rng.Chance(0.3))
        {
            Send(node.Index, node.Rng.Next(_nodes.Length), node.Rng.Pick(node.Seen));
        }
        else if (mode == ByzantineMode.Forge && node.Rng.Chance(0.05))
        {
            var garbage = new byte[node.Rng.Next(1, 200)];
            for (int i = 0; i < garbage.Length; i++)
            {
                garbage[i] = (byte)node.Rng.Next(256);
            }

            Send(node.Index, node.Rng.Next(_nodes.Length), garbage);
        }
    }

    /// <summary>A message claiming to be from someone else, or with a broken signature, or with flipped bits.</summary>
    private byte[] Forge(SimNode from, ConsensusMessage message)
    {
        switch (from.Rng.Next(3))
        {
            case 0:
                // Another validator's name over our signature: the verifier must reject it.
                return ForgeSender(message, (ushort)from.Rng.Next(_nodes.Length)).ToBytes();
            case 1:
                byte[] signature = (byte[])message.Signature.Clone();
                if (signature.Length > 0)
                {
                    signature[from.Rng.Next(signature.Length)] ^= 0x01;
                }

                return (message with { Signature = signature }).ToBytes();
            default:
                byte[] bytes = message.ToBytes();
                bytes[from.Rng.Next(bytes.Length)] ^= (byte)(1 << from.Rng.Next(8));
                return bytes;
        }
    }

    private static ConsensusMessage ForgeSender(ConsensusMessage message, ushort victim) => message switch
    {
        PrePrepare pp => pp with { Sender = victim },
        Vote v => v with { Sender = victim },
        CheckpointMessage c => c with { Sender = victim },
        ViewChange vc => vc with { Sender = victim },
        NewView nv => nv with { Sender = victim },
        StatusMessage s => s with { Sender = victim },
        _ => message,
    };

    private T SignAs<T>(int index, T message)
        where T : ConsensusMessage
    {
        var signature = new byte[Signature.Size];
        _signers[index].Sign(message.SignedBytes(_genesis.ChainId), signature);
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

    private static Hash32 RandomHash(SimRandom rng)
    {
        Span<byte> bytes = stackalloc byte[32];
        for (int i = 0; i < 32; i += 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[i..], rng.NextU64());
        }

        return new Hash32(bytes);
    }
}
