using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Chat.Rooms;

/// <summary>
/// The signed bodies of chat envelopes, in the canonical codec. CreateRoom: name (bytes8, UTF-8) ‖ member count (u16)
/// ‖ 64-byte identities, the creator first ‖ 16-byte nonce. SetMembers: count (u16) ‖ identities, the creator first.
/// Message: the ciphertext's CID in binary.
/// </summary>
public static class RoomBodies
{
    public const int MaxMembers = 256;
    public const int NonceSize = 16;

    public static byte[] CreateRoom(string name, IReadOnlyList<byte[]> members, ReadOnlySpan<byte> nonce)
    {
        var w = new CanonicalWriter(64 + (members.Count * ChatIdentity.Size));
        w.WriteString8(name);
        WriteMembers(w, members);
        w.WriteFixed(nonce);
        return w.ToArray();
    }

    public static byte[] SetMembers(IReadOnlyList<byte[]> members)
    {
        var w = new CanonicalWriter(2 + (members.Count * ChatIdentity.Size));
        WriteMembers(w, members);
        return w.ToArray();
    }

    /// <exception cref="CodecException">malformed (names the field).</exception>
    public static (string Name, List<byte[]> Members) ReadCreateRoom(ReadOnlySpan<byte> body)
    {
        var r = new CanonicalReader(body);
        string name = r.ReadString8("room.name");
        List<byte[]> members = ReadMembers(ref r);
        r.ReadFixed(NonceSize, "room.nonce");
        r.EnsureEnd("room body");
        return (name, members);
    }

    /// <exception cref="CodecException">malformed.</exception>
    public static List<byte[]> ReadSetMembers(ReadOnlySpan<byte> body)
    {
        var r = new CanonicalReader(body);
        List<byte[]> members = ReadMembers(ref r);
        r.EnsureEnd("members body");
        return members;
    }

    private static void WriteMembers(CanonicalWriter w, IReadOnlyList<byte[]> members)
    {
        w.WriteU16((ushort)members.Count);
        foreach (byte[] m in members)
        {
            w.WriteFixed(m);
        }
    }

    private static List<byte[]> ReadMembers(ref CanonicalReader r)
    {
        int count = r.ReadU16("room.members");
        if (count is 0 or > MaxMembers)
        {
            throw new CodecException($"room.members: expected 1 to {MaxMembers}, got {count}");
        }

        var members = new List<byte[]>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            byte[] m = r.ReadFixed(ChatIdentity.Size, "room.member").ToArray();
            if (!seen.Add(Convert.ToHexString(m.AsSpan(0, ChatEnvelope.KeySize))))
            {
                throw new CodecException("room.members: a signing key is listed twice");
            }

            members.Add(m);
        }

        return members;
    }
}
