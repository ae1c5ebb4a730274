using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Storage;

/// <summary>A committed block as stored: the block, the certificate that proves it, and the state root after executing it.</summary>
public sealed record StoredBlock(Block Block, CommitCertificate Certificate, Hash32 StateRootAfter)
{
    public ulong Height => Block.Height;
}
