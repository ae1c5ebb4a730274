using Aegis.Core.Consensus;
using Aegis.Core.Ledger;

namespace Aegis.Node.Runtime;

/// <summary>Everything that reaches the event loop. Network readers, the ticker and the API only post these.</summary>
internal abstract record NodeInput;

internal sealed record PeerConsensusInput(VerifiedMessage Message) : NodeInput;

internal sealed record TransactionInput(Transaction Transaction, TaskCompletionSource<SubmitStatus>? Reply, bool FromPeer) : NodeInput;

/// <summary>Many client transactions with one reply: the batch endpoint's path, one channel write for thousands of transactions.</summary>
internal sealed record TransactionBatchInput(IReadOnlyList<Transaction> Transactions, TaskCompletionSource<SubmitStatus[]> Reply) : NodeInput;

internal sealed record TickInput : NodeInput;

internal sealed record SyncBlocksInput(int Peer, IReadOnlyList<CommittedBlock> Blocks) : NodeInput;
