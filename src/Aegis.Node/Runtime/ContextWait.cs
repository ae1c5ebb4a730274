namespace Aegis.Node.Runtime;

/// <summary>
/// Waiting for a task or a cancellation, resuming where an await resumes. <see cref="Task.WaitAsync(CancellationToken)"/>
/// on a task whose source runs continuations asynchronously always hops through the thread pool, whatever the
/// caller's context; in the simulator that hop leaves the world's thread and makes a run depend on the OS. Here the
/// wait goes through an awaiter, so it comes back on the caller's context when there is one (the simulator's world)
/// and on the pool otherwise (a node), never inline on the thread that completed the task (the event loop).
/// </summary>
internal static class ContextWait
{
    public static Task<T> WaitHereAsync<T>(this Task<T> task, CancellationToken ct)
    {
        if (task.IsCompleted || !ct.CanBeCanceled)
        {
            return task;
        }

        var done = new TaskCompletionSource<T>();
        CancellationTokenRegistration registration = ct.Register(static s => ((TaskCompletionSource<T>)s!).TrySetCanceled(), done);
        task.GetAwaiter().OnCompleted(() =>
        {
            registration.Dispose();
            if (task.IsCompletedSuccessfully)
            {
                done.TrySetResult(task.Result);
            }
            else if (task.IsCanceled)
            {
                done.TrySetCanceled();
            }
            else
            {
                done.TrySetException(task.Exception!.InnerExceptions);
            }
        });
        return done.Task;
    }

    public static Task WaitHereAsync(this Task task, CancellationToken ct) =>
        task.IsCompleted || !ct.CanBeCanceled ? task : WaitHereCoreAsync(task, ct);

    private static Task WaitHereCoreAsync(Task task, CancellationToken ct)
    {
        var done = new TaskCompletionSource();
        CancellationTokenRegistration registration = ct.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), done);
        task.GetAwaiter().OnCompleted(() =>
        {
            registration.Dispose();
            if (task.IsCompletedSuccessfully)
            {
                done.TrySetResult();
            }
            else if (task.IsCanceled)
            {
                done.TrySetCanceled();
            }
            else
            {
                done.TrySetException(task.Exception!.InnerExceptions);
            }
        });
        return done.Task;
    }
}
