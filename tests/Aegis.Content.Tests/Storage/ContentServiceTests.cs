using Aegis.Content.Cids;
using Aegis.Content.Storage;
using Aegis.Content.Tests.Support;
using Aegis.Content.Tests.UnixFs;
using Aegis.Content.UnixFs;

namespace Aegis.Content.Tests.Storage;

/// <summary>Import, export, pins and garbage collection over the block tables, on SQLite and on PostgreSQL.</summary>
public sealed class ContentServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aegis-content-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Add_cat_range_pin_and_gc_on_each_engine(string engine)
    {
        if (Engines.Options(engine, _dir) is not { } options)
        {
            return; // PostgreSQL absent outside CI: Engines says how to run it.
        }

        await using ContentStore store = ContentStore.Create(options);
        await store.InitializeAsync(default);
        using var content = new ContentService(store);
        byte[] data = CidOracleTests.Sample(600_000);
        ImportedNode kept = await content.ImportFileAsync(new MemoryStream(data), ImportOptions.For(0, null), false, null, default);
        ImportedNode dropped = await content.ImportFileAsync(new MemoryStream(CidOracleTests.Sample(300_001)), ImportOptions.For(1, null), false, null, default);
        await content.PinAsync(kept.Cid, recordOnLedger: false, default);

        using var range = new MemoryStream();
        await content.Exporter.WriteAsync(kept.Cid, 262_000, 5_000, range, default);
        Assert.Equal(data.AsSpan(262_000, 5_000).ToArray(), range.ToArray());

        List<Cid> removed = await content.CollectGarbageAsync(default);
        Assert.Contains(removed, c => c.Multihash.AsSpan().SequenceEqual(dropped.Cid.Multihash));
        Assert.DoesNotContain(removed, c => c.Multihash.AsSpan().SequenceEqual(kept.Cid.Multihash));
        using var all = new MemoryStream();
        await content.Exporter.WriteAsync(kept.Cid, 0, null, all, default);
        Assert.Equal(data, all.ToArray());
        await Assert.ThrowsAsync<ContentNotFoundException>(() => content.Exporter.WriteAsync(dropped.Cid, 0, null, Stream.Null, default));

        // CIDv0 and CIDv1 of one block are one pin; unpinning one form unpins it.
        Assert.Single(await content.ListPinsAsync(default));
        Assert.True(await content.UnpinAsync(kept.Cid.ToV1(), default));
        Assert.Empty(await content.ListPinsAsync(default));
    }

    [Fact]
    public async Task A_damaged_block_is_an_error_never_content()
    {
        await using ContentStore store = ContentStore.Create(Engines.Options("sqlite", _dir)!);
        await store.InitializeAsync(default);
        using var content = new ContentService(store);
        byte[] forged = "not what the CID says"u8.ToArray();
        Cid cid = Cid.Of("the real bytes"u8, 1, Multicodec.Raw);
        await store.PutManyAsync([(cid, forged)], default);
        FormatException ex = await Assert.ThrowsAsync<FormatException>(() => content.Exporter.WriteAsync(cid, 0, null, Stream.Null, default));
        Assert.Contains("does not match its hash", ex.Message, StringComparison.Ordinal);
    }
}
