namespace Aegis.Content.PubSub;

/// <summary>One published message: who sent it (peer id), its bytes, its sequence number and topic.</summary>
public sealed record PubSubMessage(string From, byte[] Data, ulong SequenceNumber, string Topic);
