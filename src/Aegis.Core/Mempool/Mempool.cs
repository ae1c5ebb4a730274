using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Mempool;

public enum MempoolAddResult
{
    Added,

    /// <summary>Already in the mempool, in a block in flight, or in the chain.</summary>
    Duplicate,

    Full,

    /// <summary>The tx-index answer it came with is older than the replica's recent window: look it up again.</summary>
    Stale,
}

/// <summary>
/// Transactions waiting to be committed, bounded in count and bytes so that a flood turns into back-pressure
/// (the API answers 429/503) instead of memory growth. A transaction is either pending (not yet in any block this
/// replica has accepted) or in flight (in an accepted, uncommitted block); a view change returns in-flight
/// transactions to the front of the queue so the next primary proposes them again.
/// </summary>
public sealed class Mempool
{
    private readonly LinkedList<Transaction> _pending = new();
    private readonly Dictionary<Hash32, LinkedListNode<Transaction>> _pendingIndex = [];
    private readonly Dictionary<Hash32, Transaction> _inFlight = [];
    private readonly List<Hash32> _inFlightOrder = [];
    private readonly int _maxTxs;
    private readonly long _maxBytes;

    public Mempool(int maxTxs, long maxBytes)
    {
        _maxTxs = maxTxs;
        _maxBytes = maxBytes;
    }

    public int PendingCount => _pending.Count;

    public int InFlightCount => _inFlight.Count;

    public int Count => _pending.Count + _inFlight.Count;

    public long Bytes { get; private set; }

    public bool Contains(Hash32 hash) => _pendingIndex.ContainsKey(hash) || _inFlight.ContainsKey(hash);

    /// <summary>Every transaction held, waiting ones first (in arrival order), then those in proposed blocks.</summary>
    public List<Transaction> Snapshot()
    {
        var all = new List<Transaction>(Count);
        all.AddRange(_pending);
        foreach (Hash32 hash in _inFlightOrder)
        {
            if (_inFlight.TryGetValue(hash, out Transaction? tx))
            {
                all.Add(tx);
            }
        }

        return all;
    }

    public MempoolAddResult TryAdd(Transaction tx)
    {
        if (Contains(tx.Hash))
        {
            return MempoolAddResult.Duplicate;
        }

        if (Count >= _maxTxs || Bytes + tx.Size > _maxBytes)
        {
            return MempoolAddResult.Full;
        }

        _pendingIndex[tx.Hash] = _pending.AddLast(tx);
        Bytes += tx.Size;
        return MempoolAddResult.Added;
    }

    /// <summary>Moves up to the given limits of pending transactions, oldest first, into flight; skips those <paramref name="excluded"/> rejects (and drops them).</summary>
    public List<Transaction> TakeBatch(int maxTxs, int maxBytes, Func<Hash32, bool> excluded)
    {
        var batch = new List<Transaction>(Math.Min(maxTxs, _pending.Count));
        int bytes = 0;
        LinkedListNode<Transaction>? node = _pending.First;
        while (node is not null && batch.Count < maxTxs)
        {
            LinkedListNode<Transaction>? next = node.Next;
            Transaction tx = node.Value;
            if (excluded(tx.Hash))
            {
                // Already committed within the dedup horizon: it can never be proposed again.
                RemovePending(node);
            }
            else
            {
                if (bytes + tx.Size > maxBytes && batch.Count > 0)
                {
                    break;
                }

                bytes += tx.Size;
                batch.Add(tx);
                RemovePending(node);
                Bytes += tx.Size;
                AddInFlight(tx);
            }

            node = next;
        }

        return batch;
    }

    /// <summary>Records that an accepted block carries these transactions, whether or not they were pending here.</summary>
    public void MarkInFlight(IReadOnlyList<Transaction> txs)
    {
        foreach (Transaction tx in txs)
        {
            if (_inFlight.ContainsKey(tx.Hash))
            {
                continue;
            }

            if (_pendingIndex.TryGetValue(tx.Hash, out LinkedListNode<Transaction>? node))
            {
                RemovePending(node);
            }

            Bytes += tx.Size;
            AddInFlight(tx);
        }
    }

    public void RemoveCommitted(IReadOnlyList<Transaction> txs)
    {
        foreach (Transaction tx in txs)
        {
            if (_inFlight.Remove(tx.Hash))
            {
                Bytes -= tx.Size;
            }
            else if (_pendingIndex.TryGetValue(tx.Hash, out LinkedListNode<Transaction>? node))
            {
                RemovePending(node);
            }
        }

        if (_inFlight.Count == 0)
        {
            _inFlightOrder.Clear();
        }
    }

    /// <summary>After a view change nothing is in flight any more: put those transactions back at the front, in their original order.</summary>
    public void ReturnInFlight()
    {
        for (int i = _inFlightOrder.Count - 1; i >= 0; i--)
        {
            if (_inFlight.Remove(_inFlightOrder[i], out Transaction? tx))
            {
                _pendingIndex[tx.Hash] = _pending.AddFirst(tx);
            }
        }

        _inFlightOrder.Clear();
    }

    private void AddInFlight(Transaction tx)
    {
        _inFlight[tx.Hash] = tx;
        _inFlightOrder.Add(tx.Hash);
    }

    private void RemovePending(LinkedListNode<Transaction> node)
    {
        _pending.Remove(node);
        _pendingIndex.Remove(node.Value.Hash);
        Bytes -= node.Value.Size;
    }
}
