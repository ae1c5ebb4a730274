using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.Mempool;

namespace Aegis.Core.Consensus;

/// <summary>
/// One PBFT replica as a deterministic state machine: inputs go in through <see cref="Receive"/>,
/// <see cref="SubmitTransactions"/>, <see cref="Tick"/>, <see cref="Executed"/> and <see cref="SyncedChunk"/>;
/// each returns the outputs the host must carry out (<see cref="ReplicaOutput"/>). No clocks, sockets, files,
/// threads or randomness: the same inputs always give the same outputs, which is what lets the simulator replay a
/// run from its seed. Not thread-safe: one event loop owns it.
/// </summary>
public sealed partial class Replica
{
    private readonly Genesis _genesis;
    private readonly ValidatorSet _validators;
    private readonly ISigner _signer;
    private readonly ReplicaOptions _options;
    private readonly ConsensusParameters _params;
    private readonly Quorum _quorum;
    private readonly string _chainId;
    private readonly ushort _me;
    private readonly List<ReplicaOutput> _outputs = [];
    private readonly SortedDictionary<ulong, Slot> _slots = [];
    private readonly Dictionary<ulong, Hash32> _stateRoots = [];
    private readonly Dictionary<(MessageType Kind, ulong View, ulong Height), ConsensusMessage> _mySigned = [];
    private readonly Dictionary<ulong, Dictionary<ushort, CheckpointMessage>> _checkpointVotes = [];
    private readonly Dictionary<ulong, Dictionary<ushort, ViewChange>> _viewChanges = [];
    private readonly Dictionary<ushort, StatusMessage> _peerStatus = [];
    private readonly Mempool.Mempool _mempool;
    private readonly RecentTransactions _recent;

    private ulong _view;
    private bool _inViewChange;
    private int _consecutiveViewChanges;
    private ulong _viewChangesTotal;
    private NewView? _installedNewView;
    private ViewChange? _myViewChange;
    private ulong _committedHeight;
    private Hash32 _committedHash;

    /// <summary>The view of the certificate that committed the tip; unknown (max) after a restart above genesis.</summary>
    private ulong _committedView;
    private long _committedTimestamp;
    private ulong _executedHeight;
    private CheckpointCertificate _stable;
    private CheckpointMessage? _myLatestCheckpoint;

    /// <summary>The last checkpoint height in the store at start, re-announced by <see cref="Restore"/> (see Replica.Checkpoints).</summary>
    private readonly (ulong Height, Hash32 StateRoot)? _restartCheckpoint;
    private ulong _nextProposal;
    private long _ticks;
    private long _nowMs;
    private long _lastProgressTick;
    private long _viewChangeStartedTick;
    private long _lastRetransmitTick;
    private long _lastSyncRequestTick = long.MinValue / 2;
    private bool _replaying;

    /// <summary>Creates a replica at the given committed tip (height 0 and the genesis hash for a new chain).</summary>
    public Replica(Genesis genesis, ISigner signer, ReplicaOptions options, ChainPosition? position = null)
    {
        _genesis = genesis;
        _validators = genesis.Validators;
        _signer = signer;
        _options = options;
        _params = genesis.Parameters;
        _quorum = _validators.Quorum;
        _chainId = genesis.ChainId;
        Validator self = _validators.FindByKey(signer.PublicKey)
            ?? throw new ArgumentException("the signer's public key is not in the validator set; an observer does not run a replica");
        _me = self.Index;
        _mempool = new Mempool.Mempool(options.MaxMempoolTxs, options.MaxMempoolBytes);
        _stable = CheckpointCertificate.Genesis(genesis.Hash);

        position ??= ChainPosition.Genesis(genesis);
        _committedHeight = position.Height;
        _committedHash = position.BlockHash;
        _committedTimestamp = position.TimestampMs;
        _committedView = position.Height == 0 ? 0 : ulong.MaxValue;
        _executedHeight = position.Height;
        _recent = new RecentTransactions(position.RecentBlocks.Count > 0 ? position.RecentBlocks[0].Height : position.Height + 1);
        _stateRoots[0] = State.BlockExecutor.GenesisStateRoot;
        foreach ((ulong height, Hash32 root) in position.RecentStateRoots)
        {
            _stateRoots[height] = root;
        }

        if (position.LastCheckpoint is { } checkpoint && checkpoint.Height <= position.Height)
        {
            _restartCheckpoint = checkpoint;
            _stateRoots[checkpoint.Height] = checkpoint.StateRoot;
        }

        foreach (CommittedBlock committed in position.RecentBlocks)
        {
            _recent.Add(committed.Height, committed.Block.Transactions);
            if (committed.Height + (ulong)_params.WatermarkWindow > _committedHeight)
            {
                // View changes report committed blocks above the stable checkpoint; keep them across the restart.
                Slot slot = GetOrCreateSlot(committed.Height);
                slot.Certificate = committed.Certificate;
                slot.CommittedBlock = committed.Block;
            }
        }

        _nextProposal = _committedHeight + 1;
    }

    public int Index => _me;

    public ulong View => _view;

    public int Primary => _validators.PrimaryOf(_view);

    public bool IsPrimary => Primary == _me && !_inViewChange;

    public ulong CommittedHeight => _committedHeight;

    public ReplicaStatus Status => new(_view, Primary, _inViewChange, _committedHeight, _committedHash, _executedHeight, _stable.Height, _mempool.Count, _viewChangesTotal);

    public Mempool.Mempool Mempool => _mempool;

    private ulong HighWatermark => _stable.Height + (ulong)_params.WatermarkWindow;

    // ---- inputs ----------------------------------------------------------------------------------------------

    public IReadOnlyList<ReplicaOutput> Receive(VerifiedMessage verified) => Receive(verified, TxHistory.None);

    /// <summary>
    /// A verified message; for a PRE-PREPARE, <paramref name="history"/> is what the host's tx index says about its
    /// block's transactions, read just before this call (see <see cref="TxHistory"/>).
    /// </summary>
    /// <exception cref="InvariantViolationException">the history does not reach this replica's recent window.</exception>
    public IReadOnlyList<ReplicaOutput> Receive(VerifiedMessage verified, TxHistory history)
    {
        ConsensusMessage m = verified.Message;
        if (m.Sender != _me)
        {
            switch (m)
            {
                case PrePrepare pp:
                    OnPrePrepare(pp, history);
                    break;
                case Vote v when v.Kind == MessageType.Prepare:
                    OnPrepare(v);
                    break;
                case Vote v:
                    OnCommit(v);
                    break;
                case CheckpointMessage c:
                    OnCheckpoint(c);
                    break;
                case ViewChange vc:
                    OnViewChange(vc);
                    break;
                case NewView nv:
                    OnNewView(nv);
                    break;
                case StatusMessage s:
                    OnStatus(s);
                    break;
            }
        }

        return TakeOutputs();
    }

    /// <summary>Transactions from the mempool front end (API and gossip), with no tx index consulted; returns how each was taken.</summary>
    public IReadOnlyList<ReplicaOutput> SubmitTransactions(IReadOnlyList<Transaction> txs, List<MempoolAddResult>? results = null) =>
        SubmitTransactions(txs, TxHistory.None, results);

    /// <summary>
    /// Transactions from the mempool front end, with what the tx index said about them (it may be older than the
    /// replica's window: those transactions come back <see cref="MempoolAddResult.Stale"/>). A transaction already in
    /// the chain is a <see cref="MempoolAddResult.Duplicate"/>, so the mempool never holds one: what it proposes is new.
    /// </summary>
    public IReadOnlyList<ReplicaOutput> SubmitTransactions(IReadOnlyList<Transaction> txs, TxHistory history, List<MempoolAddResult>? results = null)
    {
        // An index without the history below a snapshot cannot tell a new transaction from a replayed old one: refuse
        // (Stale: the client is told to retry) until the node's backfill reaches block 1.
        bool covered = _recent.Covers(history.IndexedThrough) && history.FromGenesis;
        foreach (Transaction tx in txs)
        {
            MempoolAddResult result = _recent.Contains(tx.Hash) || history.Committed.Contains(tx.Hash) ? MempoolAddResult.Duplicate
                : covered ? _mempool.TryAdd(tx)
                : MempoolAddResult.Stale;
            results?.Add(result);
        }

        TryPropose();
        return TakeOutputs();
    }

    /// <summary>One unit of logical time has passed; <paramref name="nowMs"/> is the host's wall clock, used only for block timestamps.</summary>
    public IReadOnlyList<ReplicaOutput> Tick(long nowMs)
    {
        _ticks++;
        _nowMs = Math.Max(_nowMs, nowMs);
        OnTimers();
        TryPropose();
        return TakeOutputs();
    }

    /// <summary>The host stored and executed the block at <paramref name="height"/>, reaching <paramref name="stateRoot"/>.</summary>
    /// <exception cref="InvariantViolationException">the host executed a height out of order.</exception>
    public IReadOnlyList<ReplicaOutput> Executed(ulong height, Hash32 stateRoot)
    {
        InvariantViolationException.Assert(height == _executedHeight + 1 && height <= _committedHeight, () => $"commit order: the host executed height {height}, but executed is {_executedHeight} and committed {_committedHeight}");

        _executedHeight = height;
        _stateRoots[height] = stateRoot;
        if (height % (ulong)_params.CheckpointInterval == 0)
        {
            SendCheckpoint(height, stateRoot);
        }

        RetryBuffered();
        TryPropose();
        return TakeOutputs();
    }

    /// <summary>
    /// Committed blocks fetched by block sync, their certificates and links already checked (<see cref="VerifiedChunk"/>):
    /// those above the committed tip are committed in order if the first of them extends it. <paramref name="refused"/>
    /// says why not (null when the chunk was taken, or held only heights already committed).
    /// </summary>
    public IReadOnlyList<ReplicaOutput> SyncedChunk(VerifiedChunk chunk, out string? refused)
    {
        refused = null;
        IReadOnlyList<CommittedBlock> blocks = chunk.Blocks;
        int first = 0;
        while (first < blocks.Count && blocks[first].Height <= _committedHeight)
        {
            first++;
        }

        if (first == blocks.Count)
        {
            return TakeOutputs();
        }

        Block next = blocks[first].Block;
        refused = next.Height != _committedHeight + 1 ? $"height {next.Height} does not follow the committed tip {_committedHeight}"
            : next.Header.PreviousHash != _committedHash ? $"block {next.Height}'s previous hash {next.Header.PreviousHash.ToShortString()} is not the committed tip {_committedHash.ToShortString()}"
            : null;
        if (refused is not null)
        {
            Emit(new ReplicaTrace($"sync chunk {chunk.From}..{chunk.To} rejected: {refused}"));
            return TakeOutputs();
        }

        // The rest of the chunk is linked to this block by hash (VerifiedChunk), so each one extends the one before.
        for (int i = first; i < blocks.Count; i++)
        {
            Slot slot = GetOrCreateSlot(blocks[i].Height);
            slot.Certificate = blocks[i].Certificate;
            slot.CommittedBlock = blocks[i].Block;
        }

        AdvanceCommits();
        RetryBuffered();
        return TakeOutputs();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private IReadOnlyList<ReplicaOutput> TakeOutputs()
    {
        if (_outputs.Count == 0)
        {
            return [];
        }

        ReplicaOutput[] result = [.. _outputs];
        _outputs.Clear();
        return result;
    }

    private void Emit(ReplicaOutput output)
    {
        if (!_replaying)
        {
            _outputs.Add(output);
        }
    }

    private void Persist(RecordEntry entry) => Emit(new PersistRecord(entry));

    private T Sign<T>(T message)
        where T : ConsensusMessage
    {
        var signature = new byte[Crypto.Signature.Size];
        _signer.Sign(message.SignedBytes(_chainId), signature);
        return message with { Signature = signature };
    }

    private Slot? FindSlot(ulong height) => _slots.GetValueOrDefault(height);

    private Slot GetOrCreateSlot(ulong height)
    {
        if (!_slots.TryGetValue(height, out Slot? slot))
        {
            slot = new Slot(height);
            _slots[height] = slot;
        }

        return slot;
    }

    private bool InWindow(ulong height) => height > _stable.Height && height <= HighWatermark;

    /// <summary>Whether a proposal at this height and view would be looked at (and so needs the host's tx-index answer).</summary>
    public bool ConsidersProposal(ulong height, ulong view) => view >= _view && height > _committedHeight && InWindow(height);

    private void Progress()
    {
        _lastProgressTick = _ticks;
    }

    private void ReportEvidence(EvidenceKind kind, int validator, ulong view, ulong height, string description, ConsensusMessage? first = null, ConsensusMessage? second = null) =>
        Emit(new EvidenceFound(new Evidence(kind, validator, view, height, description, first, second)));
}
