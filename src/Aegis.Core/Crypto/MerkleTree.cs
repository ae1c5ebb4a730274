namespace Aegis.Core.Crypto;

// Interim: replaced by the full Merkle tree with proofs from the crypto branch.
public static class MerkleTree
{
    public static Hash32 ComputeRoot(IReadOnlyList<Hash32> leafHashes)
    {
        if (leafHashes.Count == 0) return Hash32.Zero;
        var level = leafHashes.ToList();
        Span<byte> buf = stackalloc byte[65];
        while (level.Count > 1)
        {
            var next = new List<Hash32>();
            for (int i = 0; i < level.Count; i += 2)
            {
                if (i + 1 == level.Count) { next.Add(level[i]); continue; }
                buf[0] = 1; level[i].CopyTo(buf[1..]); level[i + 1].CopyTo(buf[33..]);
                next.Add(Hash32.Compute(buf));
            }
            level = next;
        }
        return level[0];
    }
}
