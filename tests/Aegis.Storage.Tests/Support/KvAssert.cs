namespace Aegis.Storage.Tests.Support;

internal static class KvAssert
{
    public static async Task MatchesAsync(INodeStore store, string key, KvEntry? expected)
    {
        KvEntry? actual = await store.GetAsync(System.Text.Encoding.UTF8.GetBytes(key), default);
        if (expected is null)
        {
            Assert.True(actual is null, $"key {key}: expected absent, found a value written at height {actual?.Height}");
            return;
        }

        Assert.True(actual is not null, $"key {key}: expected the value written at height {expected.Height}, found nothing");
        Assert.Equal(expected.Value, actual.Value);
        Assert.Equal(expected.Height, actual.Height);
        Assert.Equal(expected.Key, actual.Key);
    }
}
