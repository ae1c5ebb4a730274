namespace Aegis.Chat.Rooms;

/// <summary>A room as the ledger made it: id, name, creator, members (identities, creator first), creation height, message count.</summary>
public sealed record RoomRecord(byte[] RoomId, string Name, byte[] Creator, IReadOnlyList<byte[]> Members, ulong Height, long MessageCount);

/// <summary>One message in ledger order: its index in the room, where it was committed, the ciphertext's CID and the sender's signature.</summary>
public sealed record MessageRecord(byte[] RoomId, long Index, ulong Height, int TxIndex, byte[] TxHash, string Cid, byte[] Sender, byte[] Signature, long TimestampMs);
