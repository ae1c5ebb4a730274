using Aegis.Core.Encoding;

namespace Aegis.Core.Consensus.Messages;

/// <summary>
/// A message between replicas. Messages are plain immutable data: who sent it, what it says, and the sender's
/// signature over <see cref="SignedBytes"/>. Nothing here does I/O or checks signatures; see <see cref="MessageVerifier"/>.
/// </summary>
public abstract record ConsensusMessage(ushort Sender)
{
    /// <summary>The sender's signature over <see cref="SignedBytes"/>; empty for unsigned hints (<see cref="StatusMessage"/>).</summary>
    public byte[] Signature { get; init; } = [];

    public abstract MessageType Type { get; }

    /// <summary>The view this message belongs to, for logs and routing.</summary>
    public abstract ulong ViewNumber { get; }

    public abstract byte[] SignedBytes(string chainId);

    protected abstract void WriteBody(CanonicalWriter w);

    /// <summary>SHA-256 of sender and body: what large messages (view-change, new-view) sign instead of their full bytes.</summary>
    protected Crypto.Hash32 ComputeBodyDigest()
    {
        var w = new CanonicalWriter(1024);
        w.WriteU16(Sender);
        WriteBody(w);
        return Crypto.Hash32.Compute(w.WrittenSpan);
    }

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(128);
        WriteTo(w);
        return w.ToArray();
    }

    public void WriteTo(CanonicalWriter w)
    {
        w.WriteU8((byte)Type);
        w.WriteU16(Sender);
        WriteBody(w);
        w.WriteBytes8(Signature);
    }

    /// <summary>Decodes one message; throws <see cref="CodecException"/> naming the field on any malformed input.</summary>
    public static ConsensusMessage FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        ConsensusMessage m = ReadFrom(ref r);
        r.EnsureEnd("consensus message");
        return m;
    }

    public static ConsensusMessage ReadFrom(ref CanonicalReader r)
    {
        var type = (MessageType)r.ReadU8("message.type");
        ushort sender = r.ReadU16("message.sender");
        ConsensusMessage body = type switch
        {
            MessageType.PrePrepare => PrePrepare.ReadBody(ref r, sender),
            MessageType.Prepare or MessageType.Commit => Vote.ReadBody(ref r, sender, type),
            MessageType.Checkpoint => CheckpointMessage.ReadBody(ref r, sender),
            MessageType.ViewChange => ViewChange.ReadBody(ref r, sender),
            MessageType.NewView => NewView.ReadBody(ref r, sender),
            MessageType.Status => StatusMessage.ReadBody(ref r, sender),
            _ => throw new CodecException($"message.type: unknown message type {(byte)type}"),
        };
        byte[] signature = r.ReadBytes8("message.signature", Crypto.Signature.Size).ToArray();
        if (signature.Length != 0 && signature.Length != Crypto.Signature.Size)
        {
            throw new CodecException($"message.signature: expected {Crypto.Signature.Size} bytes, got {signature.Length}");
        }

        return body with { Signature = signature };
    }
}
