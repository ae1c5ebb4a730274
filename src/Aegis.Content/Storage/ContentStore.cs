using System.Data.Common;
using Aegis.Content.Cids;
using Aegis.Storage;
using Aegis.Storage.Auxiliary;

namespace Aegis.Content.Storage;

/// <summary>
/// The node's block store: blocks keyed by multihash (as Kubo's blockstore keys them, so a CIDv0 and a CIDv1 of the
/// same bytes share one row), pins, and a small key-value table for the store's identity and the ledger follower's
/// progress. Tables <c>content_*</c> in the node's engine (<see cref="AuxiliaryDatabase"/>).
/// </summary>
public sealed class ContentStore : IAsyncDisposable
{
    private readonly AuxiliaryDatabase _db;

    public ContentStore(AuxiliaryDatabase db) => _db = db;

    public string Description => _db.Description;

    public static ContentStore Create(StorageOptions options) => new(AuxiliaryDatabase.Create(options, "content"));

    public Task InitializeAsync(CancellationToken ct) => _db.InitializeAsync(
    [
        $"CREATE TABLE IF NOT EXISTS content_blocks (mh {_db.BlobType} PRIMARY KEY, codec BIGINT NOT NULL, size BIGINT NOT NULL, data {_db.BlobType} NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS content_pins (cid {_db.BlobType} NOT NULL, source SMALLINT NOT NULL, height BIGINT NOT NULL, PRIMARY KEY (cid, source))",
        "CREATE TABLE IF NOT EXISTS content_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ], ct);

    public async Task<byte[]?> GetAsync(Cid cid, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT data FROM content_blocks WHERE mh = @mh", null, ("@mh", cid.Multihash));
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
    }

    public async Task<long?> GetSizeAsync(Cid cid, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT size FROM content_blocks WHERE mh = @mh", null, ("@mh", cid.Multihash));
        object? size = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return size is null or DBNull ? null : Convert.ToInt64(size, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<bool> HasAsync(Cid cid, CancellationToken ct) => await GetSizeAsync(cid, ct).ConfigureAwait(false) is not null;

    /// <summary>Stores blocks in one transaction; a block already present is left as it is (same multihash, same bytes).</summary>
    public Task PutManyAsync(IReadOnlyList<(Cid Cid, byte[] Data)> blocks, CancellationToken ct) => PutManyAsync(blocks, [], ct);

    /// <summary>Stores blocks and pins in one transaction (one fsync): an add's last batch and its root's pin.</summary>
    public Task PutManyAsync(IReadOnlyList<(Cid Cid, byte[] Data)> blocks, IReadOnlyList<PinRecord> pins, CancellationToken ct)
    {
        if (blocks.Count == 0 && pins.Count == 0)
        {
            return Task.CompletedTask;
        }

        return _db.WriteAsync(async (c, tx) =>
        {
            foreach (PinRecord pin in pins)
            {
                await c.ExecuteAsync(
                    "INSERT INTO content_pins (cid, source, height) VALUES (@cid, @source, @height) ON CONFLICT (cid, source) DO NOTHING",
                    tx, ct, ("@cid", pin.Cid.ToBytes()), ("@source", (short)pin.Source), ("@height", (long)pin.Height)).ConfigureAwait(false);
            }

            await using DbCommand cmd = c.Command(
                "INSERT INTO content_blocks (mh, codec, size, data) VALUES (@mh, @codec, @size, @data) ON CONFLICT (mh) DO NOTHING",
                tx, ("@mh", Array.Empty<byte>()), ("@codec", 0L), ("@size", 0L), ("@data", Array.Empty<byte>()));
            foreach ((Cid cid, byte[] data) in blocks)
            {
                cmd.Parameters[0].Value = cid.Multihash;
                cmd.Parameters[1].Value = (long)cid.Codec;
                cmd.Parameters[2].Value = (long)data.Length;
                cmd.Parameters[3].Value = data;
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return 0;
        }, ct);
    }

    /// <summary>Every stored block as (CIDv1, size), for GC and for scans.</summary>
    public async Task<List<(Cid Cid, long Size)>> ListBlocksAsync(CancellationToken ct)
    {
        var list = new List<(Cid, long)>();
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT mh, codec, size FROM content_blocks ORDER BY mh", null);
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add((Cid.V1((ulong)r.GetInt64(1), (byte[])r[0]), r.GetInt64(2)));
        }

        return list;
    }

    public Task<int> DeleteBlocksAsync(IReadOnlyList<Cid> cids, CancellationToken ct) => _db.WriteAsync(async (c, tx) =>
    {
        int n = 0;
        await using DbCommand cmd = c.Command("DELETE FROM content_blocks WHERE mh = @mh", tx, ("@mh", Array.Empty<byte>()));
        foreach (Cid cid in cids)
        {
            cmd.Parameters[0].Value = cid.Multihash;
            n += await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return n;
    }, ct);

    /// <summary>Adds pins (idempotent) in one transaction.</summary>
    public Task AddPinsAsync(IReadOnlyList<PinRecord> pins, CancellationToken ct) => PutManyAsync([], pins, ct);

    /// <summary>Removes the pin of <paramref name="cid"/> from the given sources (both forms, v0 and v1, of the CID).</summary>
    public Task<int> RemovePinAsync(Cid cid, IReadOnlyList<PinSource> sources, CancellationToken ct) => _db.WriteAsync(async (c, tx) =>
    {
        int n = 0;
        foreach (PinSource source in sources)
        {
            foreach (byte[] form in Forms(cid))
            {
                n += await c.ExecuteAsync("DELETE FROM content_pins WHERE cid = @cid AND source = @source", tx, ct, ("@cid", form), ("@source", (short)source)).ConfigureAwait(false);
            }
        }

        return n;
    }, ct);

    public async Task<List<PinRecord>> ListPinsAsync(CancellationToken ct)
    {
        var list = new List<PinRecord>();
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT cid, source, height FROM content_pins ORDER BY cid, source", null);
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            if (Cid.TryFromBytes((byte[])r[0], out Cid? cid, out _))
            {
                list.Add(new PinRecord(cid!, (PinSource)r.GetInt16(1), (ulong)r.GetInt64(2)));
            }
        }

        return list;
    }

    /// <summary>
    /// One committed block's pins and unpins, in order, with the height reached, in one transaction (the ledger
    /// follower resumes after the last height stored). An unpin drops the root's pin from every source: the cluster
    /// decided it.
    /// </summary>
    public Task ApplyLedgerPinsAsync(ulong height, IReadOnlyList<(Cid Cid, bool Pin)> changes, string heightKey, CancellationToken ct) => _db.WriteAsync(async (c, tx) =>
    {
        foreach ((Cid cid, bool pin) in changes)
        {
            if (pin)
            {
                await c.ExecuteAsync(
                    "INSERT INTO content_pins (cid, source, height) VALUES (@cid, @source, @height) ON CONFLICT (cid, source) DO NOTHING",
                    tx, ct, ("@cid", cid.ToBytes()), ("@source", (short)PinSource.Ledger), ("@height", (long)height)).ConfigureAwait(false);
                continue;
            }

            foreach (byte[] form in Forms(cid))
            {
                await c.ExecuteAsync("DELETE FROM content_pins WHERE cid = @cid", tx, ct, ("@cid", form)).ConfigureAwait(false);
            }
        }

        await c.ExecuteAsync(
            "INSERT INTO content_meta (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            tx, ct, ("@name", heightKey), ("@value", height.ToString(System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
        return 0;
    }, ct);

    public async Task<string?> GetMetaAsync(string name, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using DbCommand cmd = c.Command("SELECT value FROM content_meta WHERE name = @name", null, ("@name", name));
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public Task SetMetaAsync(string name, string value, CancellationToken ct) => _db.WriteAsync(
        (c, tx) => c.ExecuteAsync("INSERT INTO content_meta (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value", tx, ct, ("@name", name), ("@value", value)),
        ct);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static IEnumerable<byte[]> Forms(Cid cid)
    {
        yield return cid.ToBytes();
        if (cid.Version == 0)
        {
            yield return cid.ToV1().ToBytes();
        }
        else if (cid.Codec == Multicodec.DagPb && cid.Multihash.Length == Multihash.Sha256Size && cid.Multihash[0] == Multicodec.Sha256)
        {
            yield return Cid.V0(cid.Multihash).ToBytes();
        }
    }
}
