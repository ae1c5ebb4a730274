using System.Buffers.Binary;
using System.Security.Cryptography;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Packets;

namespace Aegis.Mesh.Session;

/// <summary>
/// The keys of one completed handshake with one peer. Unlike Noise's transport CipherState, the nonce travels in each
/// packet (a u64 counter in the header) because UDP loses and reorders: the receiver checks it against a
/// <see cref="ReplayWindow"/> instead of expecting the next one. The 16-byte header is the AAD, so an attacker can change
/// neither the index nor the counter. Sealing and opening each take a lock because one AEAD context is not thread-safe
/// and packets reach a session from the TUN reader, the control loop and several links; the locks are uncontended on
/// the hot path (one thread per direction). The AEAD contexts (OpenSSL's, native, ~8 KiB a session with both
/// directions: `aegis mesh bench-idle` measured 20 KB RSS per idle peer with them, see bench/README.md) are made on
/// first use and released by <see cref="ReleaseContexts"/> when the peer goes idle; the 2 × 32-byte keys stay.
/// </summary>
public sealed class TransportSession : IDisposable
{
    private readonly byte[] _sendKey;
    private readonly byte[] _receiveKey;
    private IAead? _send;
    private IAead? _receive;
    private volatile bool _hasContexts;
    private readonly ReplayWindow _window = new();
    private readonly Lock _sendLock = new();
    private readonly Lock _receiveLock = new();
    private ulong _nextCounter;
    private bool _disposed;

    public TransportSession(uint localIndex, uint remoteIndex, bool initiator, NoiseCipherKind cipher, ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, long createdMs)
    {
        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
        IsInitiator = initiator;
        Cipher = cipher;
        _sendKey = sendKey.ToArray();
        _receiveKey = receiveKey.ToArray();
        CreatedMs = createdMs;
    }

    /// <summary>Our index: the receiver index peers put in the data packets they send us.</summary>
    public uint LocalIndex { get; }

    public uint RemoteIndex { get; }

    public bool IsInitiator { get; }

    public NoiseCipherKind Cipher { get; }

    public long CreatedMs { get; }

    /// <summary>
    /// Order of installation on this node (1, 2, 3, …): which of two sessions is newer. Not <see cref="CreatedMs"/>:
    /// the system's millisecond tick is coarse (CLOCK_MONOTONIC_COARSE, 4 ms steps here), so two initiations answered
    /// back to back got equal times and the newer one was never promoted — the responder kept sending on a session the
    /// initiator had forgotten, and the path went silent until the 6 s liveness check re-dialled (namespace tests, S1).
    /// </summary>
    public long Generation { get; init; }

    /// <summary>Packets sealed so far: the volume that triggers a rekey.</summary>
    public ulong SentPackets => Volatile.Read(ref _nextCounter);

    /// <summary>
    /// Writes a data packet for <paramref name="plaintext"/> into <paramref name="packet"/> (at least
    /// plaintext + <see cref="Wire.DataOverhead"/> bytes); returns its length, or -1 once the session is disposed or
    /// its counter is exhausted (the caller rekeys).
    /// </summary>
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> packet)
    {
        int length = Wire.DataHeaderSize + plaintext.Length + Wire.TagSize;
        if (packet.Length < length)
        {
            throw new ArgumentException($"a {plaintext.Length}-byte payload needs a {length}-byte packet buffer", nameof(packet));
        }

        Span<byte> nonce = stackalloc byte[NoiseCipher.NonceSize];
        lock (_sendLock)
        {
            if (_disposed || _nextCounter == ulong.MaxValue)
            {
                return -1;
            }

            ulong counter = _nextCounter++;
            packet[0] = (byte)PacketType.Data;
            packet[1] = packet[2] = packet[3] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(packet[4..], RemoteIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(packet[8..], counter);
            NoiseCipher.Nonce(Cipher, counter, nonce);
            _send ??= CreateContext(_sendKey);
            _send.Seal(nonce, plaintext, packet.Slice(Wire.DataHeaderSize, plaintext.Length), packet.Slice(Wire.DataHeaderSize + plaintext.Length, Wire.TagSize), packet[..Wire.DataHeaderSize]);
        }

        return length;
    }

    /// <summary>
    /// Authenticates and decrypts a data packet addressed to this session into <paramref name="plaintext"/>; returns the
    /// plaintext length, or a negative <see cref="OpenFailure"/> code (replayed, too old, forged, too short).
    /// </summary>
    public int Open(ReadOnlySpan<byte> packet, Span<byte> plaintext)
    {
        if (packet.Length < Wire.DataOverhead)
        {
            return (int)OpenFailure.TooShort;
        }

        ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(packet[8..]);
        int length = packet.Length - Wire.DataOverhead;
        Span<byte> nonce = stackalloc byte[NoiseCipher.NonceSize];
        NoiseCipher.Nonce(Cipher, counter, nonce);
        lock (_receiveLock)
        {
            if (_disposed)
            {
                return (int)OpenFailure.Expired;
            }

            if (!_window.CanAccept(counter))
            {
                return (int)OpenFailure.Replay;
            }

            _receive ??= CreateContext(_receiveKey);
            if (!_receive.Open(nonce, packet.Slice(Wire.DataHeaderSize, length), packet[(Wire.DataHeaderSize + length)..], plaintext[..length], packet[..Wire.DataHeaderSize]))
            {
                return (int)OpenFailure.Forged;
            }

            _window.Accept(counter);
        }

        return length;
    }

    /// <summary>True while a native AEAD context exists (made by the first seal or open since the last release).</summary>
    public bool HasContexts => _hasContexts;

    /// <summary>Frees the native AEAD contexts of an idle session; the next packet makes them again (~2 µs).</summary>
    public void ReleaseContexts()
    {
        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                _send?.Dispose();
                _receive?.Dispose();
                _send = _receive = null;
                _hasContexts = false;
            }
        }
    }

    public void Dispose()
    {
        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _send?.Dispose();
                _receive?.Dispose();
                _send = _receive = null;
                _hasContexts = false;
                CryptographicOperations.ZeroMemory(_sendKey);
                CryptographicOperations.ZeroMemory(_receiveKey);
            }
        }
    }

    private IAead CreateContext(byte[] key)
    {
        _hasContexts = true;
        return NoiseCipher.Create(Cipher, key);
    }
}

/// <summary>Why <see cref="TransportSession.Open"/> refused a packet (negative return values).</summary>
public enum OpenFailure
{
    TooShort = -1,
    Replay = -2,
    Forged = -3,
    Expired = -4,
}
