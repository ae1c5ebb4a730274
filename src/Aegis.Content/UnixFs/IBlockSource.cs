using Aegis.Content.Cids;

namespace Aegis.Content.UnixFs;

/// <summary>Where an export reads blocks from: the local store, or the store and then the peers.</summary>
public interface IBlockSource
{
    /// <summary>The block's bytes, or null when it cannot be had.</summary>
    Task<byte[]?> GetAsync(Cid cid, CancellationToken ct);
}
