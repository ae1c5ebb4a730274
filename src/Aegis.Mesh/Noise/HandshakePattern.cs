namespace Aegis.Mesh.Noise;

/// <summary>The tokens of a Noise handshake pattern (spec §7).</summary>
public enum NoiseToken
{
    E,
    S,
    EE,
    ES,
    SE,
    SS,
    Psk,
}

/// <summary>
/// A handshake pattern: pre-messages and messages, alternating initiator → responder first (spec §7.1). The
/// fundamental interactive and one-way patterns are listed; psk modifiers (spec §9.2) are applied by name.
/// </summary>
public sealed class HandshakePattern
{
    private HandshakePattern(string name, NoiseToken[] initiatorPre, NoiseToken[] responderPre, NoiseToken[][] messages)
    {
        Name = name;
        InitiatorPreMessage = initiatorPre;
        ResponderPreMessage = responderPre;
        Messages = messages;
    }

    public string Name { get; }

    public IReadOnlyList<NoiseToken> InitiatorPreMessage { get; }

    public IReadOnlyList<NoiseToken> ResponderPreMessage { get; }

    public IReadOnlyList<NoiseToken[]> Messages { get; }

    /// <summary>One-way patterns (N, K, X) have a single message and transport traffic only from the initiator.</summary>
    public bool IsOneWay => Messages.Count == 1;

    public bool HasPsk => Messages.Any(m => m.Contains(NoiseToken.Psk));

    private static readonly Dictionary<string, (NoiseToken[] I, NoiseToken[] R, NoiseToken[][] M)> Fundamental = new(StringComparer.Ordinal)
    {
        ["N"] = ([], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES]]),
        ["K"] = ([NoiseToken.S], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES, NoiseToken.SS]]),
        ["X"] = ([], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES, NoiseToken.S, NoiseToken.SS]]),
        ["NN"] = ([], [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.EE]]),
        ["KN"] = ([NoiseToken.S], [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.EE, NoiseToken.SE]]),
        ["NK"] = ([], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES], [NoiseToken.E, NoiseToken.EE]]),
        ["KK"] = ([NoiseToken.S], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES, NoiseToken.SS], [NoiseToken.E, NoiseToken.EE, NoiseToken.SE]]),
        ["NX"] = ([], [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.EE, NoiseToken.S, NoiseToken.ES]]),
        ["KX"] = ([NoiseToken.S], [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.EE, NoiseToken.SE, NoiseToken.S, NoiseToken.ES]]),
        ["XN"] = ([], [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.EE], [NoiseToken.S, NoiseToken.SE]]),
        ["IN"] = ([], [], [[NoiseToken.E, NoiseToken.S], [NoiseToken.E, NoiseToken.EE, NoiseToken.SE]]),
        ["XK"] = ([], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES], [NoiseToken.E, NoiseToken.EE], [NoiseToken.S, NoiseToken.SE]]),
        ["IK"] = ([], [NoiseToken.S], [[NoiseToken.E, NoiseToken.ES, NoiseToken.S, NoiseToken.SS], [NoiseToken.E, NoiseToken.EE, NoiseToken.SE]]),
        ["XX"] = ([], [], [[NoiseToken.E], [NoiseToken.E, NoiseToken.EE, NoiseToken.S, NoiseToken.ES], [NoiseToken.S, NoiseToken.SE]]),
        ["IX"] = ([], [], [[NoiseToken.E, NoiseToken.S], [NoiseToken.E, NoiseToken.EE, NoiseToken.SE, NoiseToken.S, NoiseToken.ES]]),
    };

    /// <summary>Parses a pattern name such as <c>IX</c> or <c>XXpsk3</c> or <c>NNpsk0+psk2</c>; null when unknown.</summary>
    public static HandshakePattern? Parse(string name)
    {
        int split = 0;
        while (split < name.Length && char.IsUpper(name[split]))
        {
            split++;
        }

        if (!Fundamental.TryGetValue(name[..split], out var basis))
        {
            return null;
        }

        NoiseToken[][] messages = basis.M.Select(m => (NoiseToken[])m.Clone()).ToArray();
        string modifiers = name[split..];
        if (modifiers.Length > 0)
        {
            foreach (string modifier in modifiers.Split('+'))
            {
                if (!modifier.StartsWith("psk", StringComparison.Ordinal) || !int.TryParse(modifier.AsSpan(3), out int position) || position > messages.Length)
                {
                    return null;
                }

                // psk0 goes at the start of the first message; pskN at the end of message N (spec §9.2).
                messages = position == 0
                    ? [[NoiseToken.Psk, .. messages[0]], .. messages[1..]]
                    : messages.Select((m, i) => i == position - 1 ? [.. m, NoiseToken.Psk] : m).ToArray();
            }
        }

        return new HandshakePattern(name, basis.I, basis.R, messages);
    }
}
