using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// A run of committed blocks from block sync whose state-independent checks passed: consecutive heights of this chain,
/// each block's header true to its transactions, each block naming the hash of the one below it as its previous hash,
/// and each certificate signed by a quorum of the genesis validators. Only <see cref="Verify"/> makes one, so
/// <see cref="Replica.SyncedChunk"/> cannot be handed an unchecked block, while the checks (a quorum of ECDSA
/// verifications per block, ~230 µs on this machine) run on the connection's reader, in parallel with the event loop
/// and with other peers' chunks, instead of inside it; the replica adds the one check that needs its state (the first
/// block extends its committed tip).
/// <para>
/// Why every certificate and not only the top one: the hash links alone prove the lower blocks committed (the top
/// block is certified, a certified block's previous hash names the block committed below it, and SHA-256 admits no
/// second block with that hash; the validator set is the genesis set at every height and a commit certificate of any
/// view commits its block, so there is no per-height set or view to check against), so the replica could execute them on
/// the top certificate alone. But the node stores every block's certificate, serves it to others and re-checks it at
/// start (<c>storage.verify_recent_blocks</c>) and in <c>aegis verify</c>: a lying peer could otherwise plant a forged
/// lower certificate and make an honest node refuse its own store at its next start. Verifying them here, off the
/// loop, keeps "a stored certificate is always valid" at a cost the loop does not pay.
/// </para>
/// </summary>
public sealed class VerifiedChunk
{
    private VerifiedChunk(IReadOnlyList<CommittedBlock> blocks) => Blocks = blocks;

    /// <summary>The blocks, lowest first; never empty.</summary>
    public IReadOnlyList<CommittedBlock> Blocks { get; }

    public ulong From => Blocks[0].Height;

    public ulong To => Blocks[^1].Height;

    /// <summary>
    /// Checks <paramref name="blocks"/> (lowest first) and returns the longest checked prefix (null when the first block
    /// fails or there is none); <paramref name="problem"/> names the first block that failed and why (null when all passed).
    /// </summary>
    public static VerifiedChunk? Verify(Genesis genesis, IReadOnlyList<CommittedBlock> blocks, out string? problem)
    {
        problem = null;
        int good = 0;
        for (; good < blocks.Count; good++)
        {
            CommittedBlock b = blocks[good];
            if (good > 0 && (b.Height != blocks[good - 1].Height + 1 || b.Block.Header.PreviousHash != blocks[good - 1].Block.Hash))
            {
                problem = $"block {b.Height} does not follow block {blocks[good - 1].Height} of the chunk (height or previous hash)";
                break;
            }

            if (b.Block.Header.ChainId != genesis.ChainId)
            {
                problem = $"block {b.Height} is of chain '{b.Block.Header.ChainId}'";
                break;
            }

            if (b.Verify(genesis.Validators, genesis.ChainId) is { } bad)
            {
                problem = $"block {b.Height}: {bad}";
                break;
            }
        }

        return good == 0 ? null : new VerifiedChunk(good == blocks.Count ? blocks : [.. blocks.Take(good)]);
    }
}
