using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Aegis.Network.Tests.Support;

/// <summary>A logger that keeps every line written at Information or above (what a node's log file would get).</summary>
internal sealed class LineCounter : ILogger
{
    public ConcurrentQueue<(EventId Id, string Text)> Lines { get; } = new();

    public int Count(int eventId) => Lines.Count(l => l.Id.Id == eventId);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Lines.Enqueue((eventId, formatter(state, exception)));
        }
    }
}
