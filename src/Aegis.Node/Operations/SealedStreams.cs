namespace Aegis.Node.Operations;

/// <summary>Write side of <see cref="BackupCipher"/>: plaintext in, sealed chunks out; <see cref="DisposeAsync"/> writes the short last chunk.</summary>
internal sealed class SealingStream(Stream inner, BackupCipher cipher) : Stream
{
    private readonly byte[] _plain = new byte[BackupCipher.ChunkSize];
    private readonly byte[] _sealed = new byte[BackupCipher.ChunkSize + BackupCipher.TagSize];
    private int _filled;
    private ulong _counter;
    private bool _finished;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int take = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == _plain.Length)
            {
                SealChunk(last: false);
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <summary>Seals what is buffered as the last chunk (always shorter than a full one, possibly empty).</summary>
    public void Finish()
    {
        if (!_finished)
        {
            SealChunk(last: true);
            _finished = true;
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void SealChunk(bool last)
    {
        cipher.Seal(_counter++, last, _plain.AsSpan(0, _filled), _sealed);
        inner.Write(_sealed, 0, _filled + BackupCipher.TagSize);
        _filled = 0;
    }
}

/// <summary>Read side of <see cref="BackupCipher"/>: authenticates each chunk before any of its bytes are handed out.</summary>
internal sealed class OpeningStream(Stream inner, BackupCipher cipher) : Stream
{
    private readonly byte[] _sealed = new byte[BackupCipher.ChunkSize + BackupCipher.TagSize];
    private readonly byte[] _plain = new byte[BackupCipher.ChunkSize];
    private int _length;
    private int _position;
    private ulong _counter;
    private bool _sawLast;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_position == _length)
        {
            if (_sawLast)
            {
                return 0;
            }

            NextChunk();
        }

        int take = Math.Min(buffer.Length, _length - _position);
        _plain.AsSpan(_position, take).CopyTo(buffer);
        _position += take;
        return take;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void NextChunk()
    {
        int read = inner.ReadAtLeast(_sealed, _sealed.Length, throwOnEndOfStream: false);
        if (read < BackupCipher.TagSize)
        {
            throw new BackupFormatException($"the file is truncated: encrypted chunk {_counter} is missing or cut short");
        }

        bool last = read < _sealed.Length;
        if (!cipher.TryOpen(_counter, last, _sealed.AsSpan(0, read), _plain))
        {
            throw new BackupFormatException(last
                ? $"encrypted chunk {_counter} does not authenticate: the file was altered or truncated"
                : $"encrypted chunk {_counter} does not authenticate: the file was altered");
        }

        _counter++;
        _sawLast = last;
        _length = read - BackupCipher.TagSize;
        _position = 0;
    }
}
