using System.Security.Cryptography;

namespace Aegis.Mesh.Noise;

/// <summary>
/// Noise HandshakeState (spec §5.3): runs one handshake pattern message by message. Every failure (a message too short,
/// a tag that does not authenticate, a small-order key, a message out of turn) is a <see cref="CryptographicException"/>
/// and leaves the handshake unusable.
/// </summary>
public sealed class HandshakeState : IDisposable
{
    private readonly NoiseProtocol _protocol;
    private readonly SymmetricState _symmetric;
    private readonly bool _initiator;
    private readonly X25519KeyPair? _s;
    private readonly Queue<byte[]> _psks;
    private readonly bool _ownsEphemeral;
    private X25519KeyPair? _e;
    private byte[]? _rs;
    private byte[]? _re;
    private int _message;
    private bool _failed;

    /// <param name="ephemeral">a fixed ephemeral key (test vectors only); generated per handshake otherwise.</param>
    public HandshakeState(NoiseProtocol protocol, bool initiator, ReadOnlySpan<byte> prologue, X25519KeyPair? localStatic,
        byte[]? remoteStatic = null, X25519KeyPair? ephemeral = null, IEnumerable<byte[]>? psks = null)
    {
        _protocol = protocol;
        _initiator = initiator;
        _s = localStatic;
        _rs = remoteStatic;
        _e = ephemeral;
        _ownsEphemeral = ephemeral is null;
        _psks = new Queue<byte[]>(psks ?? []);
        _symmetric = new SymmetricState(protocol.Name, protocol.Hash, protocol.Cipher);
        _symmetric.MixHash(prologue);
        PreMessage(protocol.Pattern.InitiatorPreMessage, initiator ? _s?.PublicKey : _rs, "initiator");
        PreMessage(protocol.Pattern.ResponderPreMessage, initiator ? _rs : _s?.PublicKey, "responder");
    }

    public bool IsComplete => _message == _protocol.Pattern.Messages.Count;

    /// <summary>True when the next message is ours to write.</summary>
    public bool IsMyTurn => !IsComplete && (_message % 2 == 0) == _initiator;

    public byte[]? RemoteStatic => _rs;

    public ReadOnlySpan<byte> HandshakeHash => _symmetric.HandshakeHash;

    public byte[] WriteMessage(ReadOnlySpan<byte> payload)
    {
        Turn(mine: true);
        using var buffer = new MemoryStream();
        foreach (NoiseToken token in _protocol.Pattern.Messages[_message])
        {
            switch (token)
            {
                case NoiseToken.E:
                    _e ??= X25519KeyPair.Generate();
                    buffer.Write(_e.PublicKey);
                    _symmetric.MixHash(_e.PublicKey);
                    if (_protocol.Pattern.HasPsk)
                    {
                        _symmetric.MixKey(_e.PublicKey);
                    }

                    break;
                case NoiseToken.S:
                    buffer.Write(_symmetric.EncryptAndHash((_s ?? throw Fail("the pattern sends a static key but none was given")).PublicKey));
                    break;
                case NoiseToken.Psk:
                    _symmetric.MixKeyAndHash(NextPsk());
                    break;
                default:
                    MixDh(token);
                    break;
            }
        }

        buffer.Write(_symmetric.EncryptAndHash(payload));
        _message++;
        return buffer.ToArray();
    }

    public byte[] ReadMessage(ReadOnlySpan<byte> message)
    {
        Turn(mine: false);
        try
        {
            int offset = 0;
            foreach (NoiseToken token in _protocol.Pattern.Messages[_message])
            {
                switch (token)
                {
                    case NoiseToken.E:
                        _re = Take(message, ref offset, X25519KeyPair.Size).ToArray();
                        _symmetric.MixHash(_re);
                        if (_protocol.Pattern.HasPsk)
                        {
                            _symmetric.MixKey(_re);
                        }

                        break;
                    case NoiseToken.S:
                        int length = X25519KeyPair.Size + (_symmetric.Cipher.HasKey ? NoiseCipher.TagSize : 0);
                        _rs = _symmetric.DecryptAndHash(Take(message, ref offset, length));
                        break;
                    case NoiseToken.Psk:
                        _symmetric.MixKeyAndHash(NextPsk());
                        break;
                    default:
                        MixDh(token);
                        break;
                }
            }

            byte[] payload = _symmetric.DecryptAndHash(message[offset..]);
            _message++;
            return payload;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>The transport keys once the handshake is complete: (initiator→responder, responder→initiator).</summary>
    public (byte[] InitiatorToResponder, byte[] ResponderToInitiator) Split()
    {
        if (!IsComplete || _failed)
        {
            throw Fail("split before the handshake completed");
        }

        return _symmetric.Split();
    }

    public (CipherState InitiatorToResponder, CipherState ResponderToInitiator) SplitStates()
    {
        if (!IsComplete || _failed)
        {
            throw Fail("split before the handshake completed");
        }

        return _symmetric.SplitStates();
    }

    public void Dispose()
    {
        _symmetric.Dispose();
        if (_ownsEphemeral)
        {
            _e?.Dispose();
        }
    }

    private void PreMessage(IReadOnlyList<NoiseToken> tokens, byte[]? staticKey, string side)
    {
        foreach (NoiseToken token in tokens)
        {
            if (token != NoiseToken.S)
            {
                throw Fail($"unsupported pre-message token {token}");
            }

            _symmetric.MixHash(staticKey ?? throw Fail($"the pattern needs the {side}'s static key before the handshake"));
        }
    }

    private void MixDh(NoiseToken token)
    {
        // es: the initiator's ephemeral with the responder's static; se: the initiator's static with the responder's ephemeral.
        (X25519KeyPair? local, byte[]? remote) = token switch
        {
            NoiseToken.EE => (_e, _re),
            NoiseToken.SS => (_s, _rs),
            NoiseToken.ES => _initiator ? (_e, _rs) : (_s, _re),
            NoiseToken.SE => _initiator ? (_s, _re) : (_e, _rs),
            _ => throw Fail($"unexpected token {token}"),
        };
        if (local is null || remote is null)
        {
            throw Fail($"token {token} needs a key this side does not have");
        }

        byte[] shared = local.Agree(remote);
        _symmetric.MixKey(shared);
        CryptographicOperations.ZeroMemory(shared);
    }

    private byte[] NextPsk() => _psks.Count > 0 ? _psks.Dequeue() : throw Fail("the pattern needs a pre-shared key but none is left");

    private void Turn(bool mine)
    {
        if (_failed)
        {
            throw Fail("the handshake already failed");
        }

        if (IsComplete)
        {
            throw Fail("the handshake is already complete");
        }

        if (IsMyTurn != mine)
        {
            throw Fail(mine ? "it is the peer's turn to write" : "it is our turn to write");
        }
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> message, ref int offset, int count)
    {
        if (message.Length - offset < count)
        {
            throw new CryptographicException($"noise: handshake message of {message.Length} bytes is too short");
        }

        ReadOnlySpan<byte> slice = message.Slice(offset, count);
        offset += count;
        return slice;
    }

    private static CryptographicException Fail(string reason) => new($"noise: {reason}");
}
