using System.Buffers.Binary;
using Aegis.Mesh.Engine;

namespace Aegis.Mesh.Transport;

/// <summary>
/// One TLS (or plain TCP) connection carrying mesh packets as [u16 length][packet] frames. Sends from any thread are
/// appended to one buffer that a writer task drains in large writes (many frames per TLS record); the reader hands
/// each frame to the engine. Bounded: beyond 4 MiB queued, packets are dropped, as a congested link drops.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Close() ends the link and releases the stream; the semaphore and token source hold no unmanaged state once it has run.")]
public sealed class TlsLink : ILink
{
    private const int MaxQueuedBytes = 4 << 20;
    private static long s_nextId;

    private readonly Stream _stream;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _closed = new();
    private byte[] _pending = new byte[64 * 1024];
    private byte[] _spare = new byte[64 * 1024];
    private int _pendingLength;
    private bool _signalled;
    private int _open = 1;

    public TlsLink(Stream stream, UdpEndpoint remote)
    {
        _stream = stream;
        Remote = remote;
        Id = Interlocked.Increment(ref s_nextId);
    }

    public long Id { get; }

    public UdpEndpoint Remote { get; }

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    public event Action<TlsLink>? Closed;

    public bool Send(ReadOnlySpan<byte> packet)
    {
        if (!IsOpen || packet.Length > ushort.MaxValue)
        {
            return false;
        }

        bool wake;
        lock (_lock)
        {
            int needed = _pendingLength + 2 + packet.Length;
            if (needed > MaxQueuedBytes)
            {
                return false;
            }

            if (needed > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(needed, _pending.Length * 2));
            }

            BinaryPrimitives.WriteUInt16BigEndian(_pending.AsSpan(_pendingLength), (ushort)packet.Length);
            packet.CopyTo(_pending.AsSpan(_pendingLength + 2));
            _pendingLength = needed;
            wake = !_signalled;
            _signalled = true;
        }

        if (wake)
        {
            _signal.Release();
        }

        return true;
    }

    /// <summary>Runs the reader and the writer until the connection ends; then <see cref="Closed"/> fires once.</summary>
    public async Task RunAsync(Action<TlsLink, ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _closed.Token);
        Task writer = WriteLoopAsync(linked.Token);
        try
        {
            await ReadLoopAsync(onFrame, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            Close();
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ReadLoopAsync(Action<TlsLink, ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
    {
        var buffer = new byte[256 * 1024];
        int filled = 0;
        while (true)
        {
            int n = await _stream.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            filled += n;
            int offset = 0;
            while (filled - offset >= 2)
            {
                int length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(offset));
                if (length < 4)
                {
                    throw new IOException($"link {Remote}: a {length}-byte frame is too short to be a mesh packet");
                }

                if (filled - offset - 2 < length)
                {
                    break;
                }

                onFrame(this, buffer.AsMemory(offset + 2, length));
                offset += 2 + length;
            }

            if (offset > 0)
            {
                Buffer.BlockCopy(buffer, offset, buffer, 0, filled - offset);
                filled -= offset;
            }
        }
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        while (true)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            byte[] batch;
            int length;
            lock (_lock)
            {
                batch = _pending;
                length = _pendingLength;
                _pending = _spare;
                _spare = batch;
                _pendingLength = 0;
                _signalled = false;
            }

            // batch is now _spare: nobody appends to it until the next swap, which happens after this write.
            await _stream.WriteAsync(batch.AsMemory(0, length), ct).ConfigureAwait(false);
            await _stream.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _open, 0) == 1)
        {
            _closed.Cancel();
            _stream.Dispose();
            Closed?.Invoke(this);
        }
    }
}
