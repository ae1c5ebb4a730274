using Aegis.Chat.Rooms;

namespace Aegis.Chat.Tests;

/// <summary>A chat identity is exactly 64 bytes written as 86 characters of unpadded base64url, and nothing else parses.</summary>
public sealed class ChatIdentityTests
{
    [Fact]
    public void An_identity_round_trips_and_other_text_is_refused()
    {
        byte[] identity = Enumerable.Range(0, ChatIdentity.Size).Select(i => (byte)(i * 37 + 251)).ToArray();
        string text = ChatIdentity.Format(identity);
        Assert.Equal(86, text.Length);
        Assert.True(ChatIdentity.TryParse(text, out byte[] parsed));
        Assert.Equal(identity, parsed);

        string standard = Convert.ToBase64String(identity).TrimEnd('=');
        Assert.NotEqual(text, standard); // the sample has bytes whose base64 uses '+' or '/'
        Assert.False(ChatIdentity.TryParse(standard, out _));
        Assert.False(ChatIdentity.TryParse(text[..85], out _));
        Assert.False(ChatIdentity.TryParse(text[..85] + "!", out _));
        Assert.False(ChatIdentity.TryParse(null, out _));
    }
}
