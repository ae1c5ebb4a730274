using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// Where a stored node is: the version (the height of the block whose update wrote it) and its hash. This is the node
/// table's row key, version first, so a block's new nodes are appended at the end of the table's B-tree instead of
/// landing on random pages (docs/state-commitment.md, "Node storage"). The hash in the key lets a reader check the row
/// it gets against the hash the parent expects.
/// </summary>
public readonly record struct NodeRef(Hash32 Hash, ulong Version)
{
    /// <summary>The empty subtree: no row.</summary>
    public static readonly NodeRef Empty;

    public bool IsEmpty => Hash.IsZero;

    public override string ToString() => $"{Hash.ToShortString()}@{Version}";
}
