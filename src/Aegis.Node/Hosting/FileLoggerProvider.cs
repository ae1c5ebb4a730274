using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Hosting;

/// <summary>
/// <c>logging.file</c>: the console's lines, also appended to a file (flushed per line, so a crash loses nothing), as
/// text or, with <c>logging.format: json</c>, one JSON object per line. The node and the mesh read the same key.
/// </summary>
public sealed class FileLoggerProvider(string path, bool json = false) : ILoggerProvider
{
    private readonly StreamWriter _writer = Open(path);
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private static StreamWriter Open(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        // FileShare.ReadWrite: logrotate's copytruncate and `aegis diagnose` read it while the node writes.
        return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            _writer.WriteLine(line);
        }
    }

    private string Format(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        if (!json)
        {
            return $"{DateTimeOffset.UtcNow:O} {level.ToString().ToLowerInvariant()} {category}[{eventId.Id}] {message}{(exception is null ? "" : " " + exception.Message)}";
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", DateTimeOffset.UtcNow);
            w.WriteString("level", level.ToString());
            w.WriteString("category", category);
            w.WriteNumber("event_id", eventId.Id);
            w.WriteString("message", message);
            if (exception is not null)
            {
                w.WriteString("exception", exception.Message);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private sealed class FileLogger(FileLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(owner.Format(logLevel, category, eventId, formatter(state, exception), exception));
            }
        }
    }
}
