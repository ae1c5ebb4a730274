using Aegis.Content.Cids;

namespace Aegis.Content.Replication;

/// <summary>Asks the other validators for a block by CID (bounded in time); null when none has it.</summary>
public interface IBlockFetcher
{
    Task<byte[]?> FetchAsync(Cid cid, CancellationToken ct);
}
