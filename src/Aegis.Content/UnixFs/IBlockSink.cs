using Aegis.Content.Cids;

namespace Aegis.Content.UnixFs;

/// <summary>Where an import puts its blocks: the store (in batches), or nowhere for <c>only-hash</c>.</summary>
public interface IBlockSink
{
    ValueTask PutAsync(Cid cid, byte[] block, CancellationToken ct);
}

/// <summary>Computes CIDs without keeping anything (<c>only-hash</c>).</summary>
public sealed class DiscardingSink : IBlockSink
{
    public static readonly DiscardingSink Instance = new();

    public ValueTask PutAsync(Cid cid, byte[] block, CancellationToken ct) => ValueTask.CompletedTask;
}
