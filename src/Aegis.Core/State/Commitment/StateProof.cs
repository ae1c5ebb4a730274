using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.State.Commitment;

/// <summary>The leaf a proof's walk ended on: the key's own (membership) or another key's that holds its place (absence).</summary>
public readonly record struct ProofLeaf(Hash32 KeyHash, Hash32 ValueHash);

/// <summary>
/// A proof that a key has a value, or has none, under a state root: the walk from the root down the key hash's bits,
/// as the sibling of each step (root first) and what the walk ended on. The leaf sits at depth Siblings.Count.
/// <list type="bullet">
/// <item>present: the leaf is the key's (its key hash) and commits to the value's hash;</item>
/// <item>absent: the walk ended on an empty subtree (no leaf), or on another key's leaf that shares every bit walked, so
/// the subtree where the key would be holds only that other key.</item>
/// </list>
/// Verification folds the siblings back up with <see cref="StateHashing.Node"/> and compares with the root. Nothing in
/// a proof is trusted: the sides come from the key's own hash, and a leaf placed at a depth other than its own, or an
/// extra or missing sibling, yields another root.
/// </summary>
public sealed record StateProof(ProofLeaf? Leaf, IReadOnlyList<Hash32> Siblings)
{
    private const byte Version = 1;

    /// <summary>Null when this proves that <paramref name="key"/> holds <paramref name="value"/> (null: is absent) under <paramref name="root"/>; otherwise why not.</summary>
    public string? Verify(Hash32 root, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool present)
    {
        if (Siblings.Count > StateHashing.MaxDepth)
        {
            return $"proof: {Siblings.Count} siblings, more than the tree's {StateHashing.MaxDepth} levels";
        }

        Hash32 keyHash = StateHashing.KeyHash(key);
        Hash32 at;
        if (present)
        {
            if (Leaf is not { } leaf || leaf.KeyHash != keyHash)
            {
                return "proof: the value is claimed present but the proof ends on no leaf of this key (it proves another key or an absence)";
            }

            if (leaf.ValueHash != StateHashing.ValueHash(value))
            {
                return "proof: the value does not match the value hash the proof commits to";
            }

            at = StateHashing.Leaf(leaf.KeyHash, leaf.ValueHash);
        }
        else if (Leaf is { } other)
        {
            if (other.KeyHash == keyHash)
            {
                return "proof: the key is claimed absent but the proof ends on its own leaf (the key is present)";
            }

            if (!StateHashing.SharePrefix(other.KeyHash, keyHash, Siblings.Count))
            {
                return "proof: the leaf that would stand in for the absent key is not on the key's path";
            }

            at = StateHashing.Leaf(other.KeyHash, other.ValueHash);
        }
        else
        {
            at = Hash32.Zero;
        }

        for (int depth = Siblings.Count - 1; depth >= 0; depth--)
        {
            at = StateHashing.Bit(keyHash, depth) == 0 ? StateHashing.Node(at, Siblings[depth]) : StateHashing.Node(Siblings[depth], at);
        }

        return at == root ? null : $"proof: it leads to state root {at.ToShortString()}, not {root.ToShortString()}";
    }

    public void WriteTo(CanonicalWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteU8(Version);
        w.WriteBool(Leaf.HasValue);
        if (Leaf is { } leaf)
        {
            w.WriteHash(leaf.KeyHash);
            w.WriteHash(leaf.ValueHash);
        }

        w.WriteU16((ushort)Siblings.Count);
        foreach (Hash32 s in Siblings)
        {
            w.WriteHash(s);
        }
    }

    public static StateProof ReadFrom(ref CanonicalReader r)
    {
        r.ReadVersion(Version, "proof.version");

        ProofLeaf? leaf = r.ReadBool("proof.has_leaf") ? new ProofLeaf(r.ReadHash("proof.leaf.key_hash"), r.ReadHash("proof.leaf.value_hash")) : null;
        int count = r.ReadU16("proof.siblings");
        if (count > StateHashing.MaxDepth)
        {
            throw new CodecException($"proof.siblings: count {count} exceeds the tree's {StateHashing.MaxDepth} levels");
        }

        var siblings = new Hash32[count];
        for (int i = 0; i < count; i++)
        {
            siblings[i] = r.ReadHash("proof.sibling");
        }

        return new StateProof(leaf, siblings);
    }

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(4 + 64 + (Siblings.Count * Hash32.Size));
        WriteTo(w);
        return w.ToArray();
    }

    public static StateProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        StateProof proof = ReadFrom(ref r);
        r.EnsureEnd("proof");
        return proof;
    }
}
