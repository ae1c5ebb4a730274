using Microsoft.Extensions.Logging;

namespace Aegis.Simulation;

/// <summary>The runtime's own log lines in a simulation's trace (<c>aegis sim --trace</c>), stamped with simulated time and the node.</summary>
internal sealed class TraceLogger<T>(SimCluster cluster, int node) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        cluster.Log(node, $"[{logLevel}] {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
}
