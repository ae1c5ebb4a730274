using System.Data.Common;
using Aegis.Content.Cids;
using Aegis.Core.Ledger;
using Aegis.Storage;
using Aegis.Storage.Auxiliary;

namespace Aegis.Chat.Rooms;

/// <summary>
/// The room projection: rooms, members and messages as the ledger ordered them, in <c>chat_*</c> tables on the node's
/// engine. <see cref="ApplyBlockAsync"/> is the room state machine — deterministic over the committed blocks, so
/// every node holds the same rooms: a room is made once (its id is the hash of creator and body); only its creator
/// changes the member list; a message counts only if its sender is a member when it is ordered; each transaction
/// counts once.
/// </summary>
public sealed class ChatStore : IAsyncDisposable
{
    public const string HeightKey = "ledger_height";

    private readonly AuxiliaryDatabase _db;

    public ChatStore(AuxiliaryDatabase db) => _db = db;

    public static ChatStore Create(StorageOptions options) => new(AuxiliaryDatabase.Create(options, "chat"));

    public Task InitializeAsync(CancellationToken ct) => _db.InitializeAsync(
    [
        $"CREATE TABLE IF NOT EXISTS chat_rooms (room {_db.BlobType} PRIMARY KEY, name TEXT NOT NULL, creator {_db.BlobType} NOT NULL, height BIGINT NOT NULL, messages BIGINT NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS chat_members (room {_db.BlobType} NOT NULL, position INTEGER NOT NULL, identity {_db.BlobType} NOT NULL, signing_key {_db.BlobType} NOT NULL, PRIMARY KEY (room, position))",
        $"CREATE INDEX IF NOT EXISTS chat_members_by_key ON chat_members (signing_key)",
        $"CREATE TABLE IF NOT EXISTS chat_messages (room {_db.BlobType} NOT NULL, seq BIGINT NOT NULL, height BIGINT NOT NULL, tx_index INTEGER NOT NULL, tx {_db.BlobType} NOT NULL, cid TEXT NOT NULL, sender {_db.BlobType} NOT NULL, signature {_db.BlobType} NOT NULL, ts_ms BIGINT NOT NULL, PRIMARY KEY (room, seq))",
        $"CREATE TABLE IF NOT EXISTS chat_seen (tx {_db.BlobType} PRIMARY KEY)",
        "CREATE TABLE IF NOT EXISTS chat_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ], ct);

    public async Task<ulong> LoadHeightAsync(CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT value FROM chat_meta WHERE name = @n", null, ("@n", HeightKey));
        return ulong.TryParse(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string, out ulong h) ? h : 0;
    }

    /// <summary>Applies one committed block's chat transactions and stores the height reached, in one transaction.</summary>
    /// <returns>The messages it appended, in order (for push delivery).</returns>
    public Task<List<MessageRecord>> ApplyBlockAsync(StoredBlock block, CancellationToken ct) => _db.WriteAsync(async (c, tx) =>
    {
        var appended = new List<MessageRecord>();
        IReadOnlyList<Transaction> txs = block.Block.Transactions;
        for (int i = 0; i < txs.Count; i++)
        {
            Transaction t = txs[i];
            if (t.Op != TxOp.Chat || ChatEnvelope.Check(t.Key, t.Value, out ChatEnvelope? envelope) is not null)
            {
                continue;
            }

            byte[] hash = t.Hash.ToArray();
            if (await c.ExecuteAsync("INSERT INTO chat_seen (tx) VALUES (@tx) ON CONFLICT (tx) DO NOTHING", tx, ct, ("@tx", hash)).ConfigureAwait(false) == 0)
            {
                continue;
            }

            byte[] room = t.Key.ToArray();
            MessageRecord? message = await ApplyAsync(c, tx, room, envelope!, block, i, hash, ct).ConfigureAwait(false);
            if (message is not null)
            {
                appended.Add(message);
            }
        }

        await c.ExecuteAsync(
            "INSERT INTO chat_meta (name, value) VALUES (@n, @v) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            tx, ct, ("@n", HeightKey), ("@v", block.Height.ToString(System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
        return appended;
    }, ct);

    public async Task<RoomRecord?> GetRoomAsync(byte[] room, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        return await ReadRoomAsync(c, null, room, ct).ConfigureAwait(false);
    }

    /// <summary>The rooms whose current members include the signing key, newest first (at most 200).</summary>
    public async Task<List<RoomRecord>> RoomsOfAsync(byte[] signingKey, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        var ids = new List<byte[]>();
        await using (DbCommand cmd = c.Command("SELECT r.room FROM chat_rooms r JOIN chat_members m ON m.room = r.room WHERE m.signing_key = @k ORDER BY r.height DESC LIMIT 200", null, ("@k", signingKey)))
        await using (DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                ids.Add((byte[])r[0]);
            }
        }

        var rooms = new List<RoomRecord>(ids.Count);
        foreach (byte[] id in ids)
        {
            rooms.Add((await ReadRoomAsync(c, null, id, ct).ConfigureAwait(false))!);
        }

        return rooms;
    }

    /// <summary>Messages with index &gt; <paramref name="after"/>, ascending, at most <paramref name="limit"/>.</summary>
    public async Task<List<MessageRecord>> MessagesAsync(byte[] room, long after, int limit, CancellationToken ct)
    {
        var list = new List<MessageRecord>();
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command(
            "SELECT seq, height, tx_index, tx, cid, sender, signature, ts_ms FROM chat_messages WHERE room = @r AND seq > @after ORDER BY seq LIMIT @limit",
            null, ("@r", room), ("@after", after), ("@limit", (long)limit));
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new MessageRecord(room, r.GetInt64(0), (ulong)r.GetInt64(1), Convert.ToInt32(r[2], System.Globalization.CultureInfo.InvariantCulture), (byte[])r[3], r.GetString(4), (byte[])r[5], (byte[])r[6], r.GetInt64(7)));
        }

        return list;
    }

    /// <summary>The message a transaction appended, or null when the projection did not append it.</summary>
    public async Task<MessageRecord?> MessageByTxAsync(byte[] room, byte[] txHash, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT seq FROM chat_messages WHERE room = @r AND tx = @tx", null, ("@r", room), ("@tx", txHash));
        object? seq = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        if (seq is null or DBNull)
        {
            return null;
        }

        long index = Convert.ToInt64(seq, System.Globalization.CultureInfo.InvariantCulture);
        return (await MessagesAsync(room, index - 1, 1, ct).ConfigureAwait(false)).FirstOrDefault();
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static async Task<MessageRecord?> ApplyAsync(DbConnection c, DbTransaction tx, byte[] room, ChatEnvelope envelope, StoredBlock block, int txIndex, byte[] hash, CancellationToken ct)
    {
        RoomRecord? existing = await ReadRoomAsync(c, tx, room, ct).ConfigureAwait(false);
        switch (envelope.Kind)
        {
            case ChatKind.CreateRoom:
                if (existing is not null || !TryRead(() => RoomBodies.ReadCreateRoom(envelope.Body), out (string Name, List<byte[]> Members) created)
                    || !created.Members[0].AsSpan(0, 32).SequenceEqual(envelope.Sender))
                {
                    return null;
                }

                await c.ExecuteAsync("INSERT INTO chat_rooms (room, name, creator, height, messages) VALUES (@r, @n, @c, @h, 0)", tx, ct,
                    ("@r", room), ("@n", created.Name), ("@c", created.Members[0]), ("@h", (long)block.Height)).ConfigureAwait(false);
                await WriteMembersAsync(c, tx, room, created.Members, ct).ConfigureAwait(false);
                return null;

            case ChatKind.SetMembers:
                if (existing is null || !existing.Creator.AsSpan(0, 32).SequenceEqual(envelope.Sender)
                    || !TryRead(() => RoomBodies.ReadSetMembers(envelope.Body), out List<byte[]> members)
                    || !members[0].AsSpan().SequenceEqual(existing.Creator))
                {
                    return null;
                }

                await c.ExecuteAsync("DELETE FROM chat_members WHERE room = @r", tx, ct, ("@r", room)).ConfigureAwait(false);
                await WriteMembersAsync(c, tx, room, members, ct).ConfigureAwait(false);
                return null;

            default:
                byte[]? sender = existing?.Members.FirstOrDefault(m => m.AsSpan(0, 32).SequenceEqual(envelope.Sender));
                if (existing is null || sender is null || !Cid.TryFromBytes(envelope.Body, out Cid? cid, out _))
                {
                    return null;
                }

                long seq = existing.MessageCount + 1;
                var message = new MessageRecord(room, seq, block.Height, txIndex, hash, cid!.ToString(), sender, envelope.Signature, block.Block.Header.TimestampMs);
                await c.ExecuteAsync(
                    "INSERT INTO chat_messages (room, seq, height, tx_index, tx, cid, sender, signature, ts_ms) VALUES (@r, @s, @h, @i, @tx, @cid, @sender, @sig, @ts)",
                    tx, ct, ("@r", room), ("@s", seq), ("@h", (long)block.Height), ("@i", txIndex), ("@tx", hash), ("@cid", message.Cid),
                    ("@sender", sender), ("@sig", envelope.Signature), ("@ts", message.TimestampMs)).ConfigureAwait(false);
                await c.ExecuteAsync("UPDATE chat_rooms SET messages = @s WHERE room = @r", tx, ct, ("@s", seq), ("@r", room)).ConfigureAwait(false);
                return message;
        }
    }

    private static bool TryRead<T>(Func<T> read, out T value)
    {
        try
        {
            value = read();
            return true;
        }
        catch (Aegis.Core.Encoding.CodecException)
        {
            value = default!;
            return false;
        }
    }

    private static async Task WriteMembersAsync(DbConnection c, DbTransaction tx, byte[] room, List<byte[]> members, CancellationToken ct)
    {
        for (int p = 0; p < members.Count; p++)
        {
            await c.ExecuteAsync("INSERT INTO chat_members (room, position, identity, signing_key) VALUES (@r, @p, @id, @k)", tx, ct,
                ("@r", room), ("@p", p), ("@id", members[p]), ("@k", members[p].AsSpan(0, 32).ToArray())).ConfigureAwait(false);
        }
    }

    private static async Task<RoomRecord?> ReadRoomAsync(DbConnection c, DbTransaction? tx, byte[] room, CancellationToken ct)
    {
        string name;
        byte[] creator;
        ulong height;
        long count;
        await using (DbCommand cmd = c.Command("SELECT name, creator, height, messages FROM chat_rooms WHERE room = @r", tx, ("@r", room)))
        await using (DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await r.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            (name, creator, height, count) = (r.GetString(0), (byte[])r[1], (ulong)r.GetInt64(2), r.GetInt64(3));
        }

        var members = new List<byte[]>();
        await using (DbCommand cmd = c.Command("SELECT identity FROM chat_members WHERE room = @r ORDER BY position", tx, ("@r", room)))
        await using (DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                members.Add((byte[])r[0]);
            }
        }

        return new RoomRecord(room, name, creator, members, height, count);
    }
}
