using System.Diagnostics;
using System.Text;
using Aegis.Content.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Aegis.Chat.Tests;

/// <summary>
/// SecureChat end to end, as people use it: real `aegis run` validators, Debian's chromium through Playwright, one
/// browser context per user (each with its own keys). One 4-validator cluster for the whole story, in order:
/// two members on two nodes exchange messages and an attachment and see them in the same order; no stored byte on
/// any node holds the plaintext; a non-member opening the room reads nothing; the node the messages were sent to
/// is killed and they still arrive; a block tampered with in a node's store is refused on screen.
/// </summary>
public sealed class SecureChatBrowserTests
{
    private static readonly string[] Plaintexts = ["first secret from alice", "second secret from alice", "attachment note", "reply from bob", "attachment body 7f3a"];

    [ToolFact("chromium")]
    public async Task Two_members_chat_on_two_nodes_and_everything_a_store_or_outsider_sees_is_ciphertext()
    {
        await using NodeCluster cluster = await NodeCluster.StartAsync(4, default);
        (IPlaywright pw, IBrowser browser) = await Browser.LaunchAsync();
        string dir = Directory.CreateTempSubdirectory("aegis-chat-ui-").FullName;
        try
        {
            IPage alice = await Browser.UserAsync(browser, cluster.Url(0));
            IPage bob = await Browser.UserAsync(browser, cluster.Url(1));
            string bobId = await Browser.IdentityAsync(bob);
            string room = await Browser.CreateRoomAsync(alice, "plans", bobId);
            await Browser.OpenRoomAsync(bob, room);

            // Safety numbers: each side shows the same number for the pair.
            string aliceSees = (await alice.Locator("[data-testid=member] code").AllTextContentsAsync())[1];
            string bobSees = (await bob.Locator("[data-testid=member] code").AllTextContentsAsync())[0];
            Assert.Matches(@"^(\d{5} ){5}\d{5}$", aliceSees);
            Assert.Equal(aliceSees, bobSees);

            string file = Path.Combine(dir, "notes.txt");
            await File.WriteAllTextAsync(file, Plaintexts[4]);
            await Browser.SendAsync(alice, Plaintexts[0]);
            await Browser.SendAsync(alice, Plaintexts[1]);
            await Browser.SendAsync(alice, Plaintexts[2], file);
            await Browser.MessagesAsync(bob, 3);
            await Browser.SendAsync(bob, Plaintexts[3]);
            string[] expected = Plaintexts[..4];
            Assert.Equal(expected, await Browser.MessagesAsync(alice, 4));
            Assert.Equal(expected, await Browser.MessagesAsync(bob, 4));

            await bob.ClickAsync("[data-testid=attachment]");
            Assert.Equal(Plaintexts[4], (await bob.WaitForSelectorAsync("[data-testid=attachment-text]"))!.TextContentAsync().Result);

            // Everything any node stored — ledger, chat projection, content blocks, WAL files — holds no plaintext.
            await Task.Delay(1500);
            for (int i = 0; i < cluster.Count; i++)
            {
                foreach (string path in Directory.GetFiles(cluster.DataDir(i)))
                {
                    byte[] bytes = await File.ReadAllBytesAsync(path);
                    foreach (string secret in Plaintexts)
                    {
                        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret}' found in {path}");
                    }
                }
            }

            // A non-member who opens the room sees only refusals.
            IPage eve = await Browser.UserAsync(browser, cluster.Url(2), "/chat/#room=" + room);
            await eve.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=message-rejected]').length >= 4", null, new() { Timeout = 30000 });
            string eveText = await eve.InnerTextAsync("[data-testid=messages]");
            Assert.Contains("not encrypted for this member", eveText, StringComparison.Ordinal);
            Assert.DoesNotContain(Plaintexts[0], eveText, StringComparison.Ordinal);
            Assert.Equal(0, await eve.Locator("[data-testid=message]").CountAsync());

            // The node Alice sent to dies; Bob's node still has the ledger order and the ciphertext.
            await cluster.Processes.KillAsync(0);
            await bob.ReloadAsync();
            await bob.WaitForSelectorAsync("body[data-ready=true]");
            Assert.Equal(expected, await Browser.MessagesAsync(bob, 4));

            // Tamper with the first message's block in Bob's node's store: the page refuses it, visibly, and keeps the rest.
            string cid = await FirstMessageCidAsync(cluster.Url(1), room);
            TamperBlock(Path.Combine(cluster.DataDir(1), "content.db"), cid);
            await bob.ReloadAsync();
            await bob.WaitForSelectorAsync("[data-testid=message-rejected]", new() { Timeout = 30000 });
            // The node's exporter checks every block against its hash (and the page checks again, against a lying node).
            Assert.Matches("rejected: .*(does not match its hash|do not match the CID)", await bob.InnerTextAsync("[data-testid=message-rejected]"));
            Assert.Equal(expected[1..], await Browser.MessagesAsync(bob, 3));
        }
        finally
        {
            await browser.DisposeAsync();
            pw.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    [ToolFact("chromium", "nginx")]
    public async Task The_UI_works_as_a_static_site_behind_nginx_with_the_ipfs_api_proxy()
    {
        await using NodeCluster cluster = await NodeCluster.StartAsync(1, default);
        string prefix = Directory.CreateTempSubdirectory("aegis-chat-nginx-").FullName;
        int port = FreePorts.One();
        CopyDirectory(Path.Combine(RepoPaths.Root, "src", "Aegis.Chat", "wwwroot"), Path.Combine(prefix, "site"));
        Directory.CreateDirectory(Path.Combine(prefix, "tmp"));
        string conf = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "nginx", "securechat.conf")))
            .Replace("@LISTEN@", $"127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("@ROOT@", Path.Combine(prefix, "site"), StringComparison.Ordinal)
            .Replace("@NODE@", new Uri(cluster.Url(0)).Authority, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(prefix, "nginx.conf"), "user root;\n" + conf);
        var psi = new ProcessStartInfo(ExternalTools.Nginx ?? "/usr/sbin/nginx") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string a in new[] { "-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-g", "daemon off;" })
        {
            psi.ArgumentList.Add(a);
        }

        using Process nginx = Process.Start(psi)!;
        (IPlaywright pw, IBrowser browser) = await Browser.LaunchAsync();
        try
        {
            string origin = $"http://127.0.0.1:{port}";
            await WaitForHttpAsync(origin + "/chat/", nginx);
            IPage carol = await Browser.UserAsync(browser, origin);
            IPage dave = await Browser.UserAsync(browser, origin);
            string room = await Browser.CreateRoomAsync(carol, "through nginx", await Browser.IdentityAsync(dave));
            await Browser.OpenRoomAsync(dave, room);
            await Browser.SendAsync(carol, "via the proxy");
            Assert.Equal(["via the proxy"], await Browser.MessagesAsync(dave, 1));
            string log = await File.ReadAllTextAsync(Path.Combine(prefix, "access.log"));
            Assert.Contains("POST /ipfs-api/api/v0/add", log, StringComparison.Ordinal);
            Assert.Contains("POST /v1/chat/rooms/" + room + "/messages", log, StringComparison.Ordinal);
        }
        finally
        {
            await browser.DisposeAsync();
            pw.Dispose();
            nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync();
            Directory.Delete(prefix, recursive: true);
        }
    }

    private static async Task<string> FirstMessageCidAsync(string url, string room)
    {
        using var http = new HttpClient();
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"{url}/v1/chat/rooms/{room}/messages"));
        return doc.RootElement.GetProperty("messages")[0].GetProperty("cid").GetString()!;
    }

    /// <summary>Flips one byte of the block's ciphertext in place, as a compromised store would.</summary>
    private static void TamperBlock(string database, string cid)
    {
        byte[] mh = Aegis.Content.Cids.Cid.Parse(cid).Multihash;
        using var c = new SqliteConnection($"Data Source={database};Pooling=False");
        c.Open();
        using SqliteCommand read = c.CreateCommand();
        read.CommandText = "SELECT data FROM content_blocks WHERE mh = @mh";
        read.Parameters.AddWithValue("@mh", mh);
        byte[] data = (byte[])read.ExecuteScalar()!;
        int at = Encoding.UTF8.GetString(data).IndexOf("\"ct\":\"", StringComparison.Ordinal) + 8;
        data[at] = data[at] == (byte)'A' ? (byte)'B' : (byte)'A';
        using SqliteCommand write = c.CreateCommand();
        write.CommandText = "UPDATE content_blocks SET data = @d WHERE mh = @mh";
        write.Parameters.AddWithValue("@d", data);
        write.Parameters.AddWithValue("@mh", mh);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    private static async Task WaitForHttpAsync(string url, Process nginx)
    {
        using var http = new HttpClient();
        for (int i = 0; i < 50; i++)
        {
            Assert.False(nginx.HasExited, "nginx exited: " + await nginx.StandardError.ReadToEndAsync());
            try
            {
                using HttpResponseMessage r = await http.GetAsync(url);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("nginx did not serve " + url);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(d.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(f, f.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
