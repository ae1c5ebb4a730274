using Aegis.Core.Crypto;
using Aegis.Node.Runtime;

namespace Aegis.Node.Tests.Runtime;

public class CommitWaitersTests
{
    private static readonly Hash32 Tx = Hash32.Compute("tx"u8);
    private static readonly Hash32 Block = Hash32.Compute("block"u8);

    [Fact]
    public async Task Two_requests_for_one_hash_both_hear_of_the_commit_and_leave_nothing_behind()
    {
        var waiters = new CommitWaiters();
        TaskCompletionSource<CommitInfo> first = waiters.Add(Tx);
        TaskCompletionSource<CommitInfo> second = waiters.Add(Tx);
        Assert.Same(first, second);

        waiters.Complete(Tx, 7, Block);

        Assert.Equal(7UL, (await first.Task.WaitAsync(TimeSpan.FromSeconds(5))).Height);
        Assert.Equal(Block, (await second.Task.WaitAsync(TimeSpan.FromSeconds(5))).BlockHash);
        waiters.Release(Tx, first);
        waiters.Release(Tx, second);
        Assert.Equal(0, waiters.Count);
    }

    [Fact]
    public async Task A_request_that_gives_up_does_not_take_the_others_wait_with_it_and_the_last_one_removes_the_entry()
    {
        var waiters = new CommitWaiters();
        TaskCompletionSource<CommitInfo> patient = waiters.Add(Tx);
        TaskCompletionSource<CommitInfo> impatient = waiters.Add(Tx);

        waiters.Release(Tx, impatient);
        Assert.Equal(1, waiters.Count);
        waiters.Complete(Tx, 3, Block);
        Assert.Equal(3UL, (await patient.Task.WaitAsync(TimeSpan.FromSeconds(5))).Height);

        // Waiting for a transaction that never commits, then giving up (timeout, mempool full): no entry stays.
        TaskCompletionSource<CommitInfo> lonely = waiters.Add(Hash32.Compute("never"u8));
        waiters.Release(Hash32.Compute("never"u8), lonely);
        Assert.Equal(0, waiters.Count);
    }

    [Fact]
    public async Task Shutdown_cancels_every_wait()
    {
        var waiters = new CommitWaiters();
        TaskCompletionSource<CommitInfo> waiter = waiters.Add(Tx);

        waiters.CancelAll();

        await Assert.ThrowsAsync<TaskCanceledException>(() => waiter.Task);
        Assert.Equal(0, waiters.Count);
    }
}
