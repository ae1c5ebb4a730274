using System.Globalization;
using Microsoft.Playwright;

namespace Aegis.Cluster.Tests.Dashboard;

/// <summary>
/// The dashboard at / of a real 4-validator cluster, in real Chromium: it follows the cluster as it changes. Set
/// AEGIS_DASHBOARD_SCREENSHOT=path to also save a screenshot (scripts/dashboard-screenshot.sh makes docs/dashboard.png).
/// </summary>
public class DashboardBrowserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [ChromiumFact]
    public async Task The_dashboard_follows_load_a_killed_primary_a_view_change_and_its_own_node_going_down()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        CancellationToken ct = timeout.Token;
        await using var cluster = new TestCluster();
        await cluster.StartAsync(ct);
        await using Chromium chromium = await Chromium.LaunchAsync();
        IPage page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1200 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                consoleErrors.Add(m.Text);
            }
        };
        page.PageError += (_, e) => consoleErrors.Add(e);

        // The page talks to node 1; node 0, the primary of view 0, is the one that will be killed.
        await page.GotoAsync(cluster.Url(1) + "/");
        await Until(page, "the page is live with four healthy validators", async () =>
            await Attr(page, "connection", "data-state") == "live"
            && await page.Locator("[data-testid=validators] tr[data-health=up]").CountAsync() == 4);
        Assert.Equal("node-1", await page.Locator("[data-testid=node-id]").TextContentAsync());

        // Load through node 1: throughput and latency appear, heights advance, every block's certificate verifies here.
        ulong before = await Number(page, "cluster-height");
        Task<Load.Result> load = Load.RunAsync(cluster, [1], count: 1500, concurrency: 6, "dash", ct);
        await Until(page, "tx/s above zero and a latency shown", async () =>
            await Number(page, "txps") > 0 && (await Text(page, "latency")).EndsWith("ms", StringComparison.Ordinal));
        await Until(page, "the cluster height advances by 5", async () => await Number(page, "cluster-height") >= before + 5);
        await Until(page, "ten recent blocks, all verified in the browser", async () =>
            await page.Locator("[data-testid=blocks] tr[data-cert=verified]").CountAsync() == 10);
        Assert.Equal(0, await page.Locator("[data-testid=blocks] tr[data-cert=failed]").CountAsync());
        Assert.True(int.Parse(await Attr(page, "chart-txps", "data-points") ?? "0", CultureInfo.InvariantCulture) > 0, "the tx/s chart drew no point");
        string tip = (await page.Locator("[data-testid=blocks] tr[data-cert=verified]").First.GetAttributeAsync("data-height"))!;

        // Kill the primary: the page shows it down and the view change, alerts fire, the other three keep committing.
        await cluster.Processes.KillAsync(0);
        await Until(page, "node-0 shown down", async () => await Attr(page, "health-node-0", "class") is { } c && c.Contains("down", StringComparison.Ordinal));
        await Until(page, "a view change to view 1 or later, with a new primary", async () =>
            await page.Locator("[data-testid=view-changes] li[data-view]").CountAsync() >= 1 && await Number(page, "view") >= 1);
        await Until(page, "validator_down and peers_low firing", async () =>
            await page.Locator("[data-testid=alerts] li[data-alert=validator_down][data-subject=node-0]").CountAsync() == 1
            && await page.Locator("[data-testid=alerts] li[data-alert=peers_low]").CountAsync() == 1);
        ulong afterKill = await Number(page, "cluster-height");
        await Until(page, "heights keep advancing without node-0", async () => await Number(page, "cluster-height") >= afterKill + 3);
        await Until(page, "tx/s still shown", async () => await Number(page, "txps") > 0);
        Assert.Equal(3, await page.Locator("[data-testid=validators] tr[data-health=up]").CountAsync());
        await Screenshot(page);

        // Search: a height gives its block with the certificate checked here, a transaction hash its transaction, a key its value.
        await page.FillAsync("[data-testid=search-input]", tip);
        await page.PressAsync("[data-testid=search-input]", "Enter");
        await Until(page, $"block {tip} found and verified", async () =>
            await page.Locator("[data-testid=search-result] [data-kind=block] .badge.verified").CountAsync() == 1);
        string txHash = (await cluster.GetAsync(2, $"/v1/blocks/{tip}", ct))!.Value.GetProperty("txs")[0].GetProperty("tx_hash").GetString()!;
        await page.FillAsync("[data-testid=search-input]", txHash);
        await page.PressAsync("[data-testid=search-input]", "Enter");
        await Until(page, $"transaction {txHash[..8]} found in block {tip}, its certificate verified", async () =>
            await page.Locator("[data-testid=search-result] [data-kind=tx] .badge.verified").CountAsync() == 1
            && (await Text(page, "search-result")).Contains(tip, StringComparison.Ordinal));
        await page.FillAsync("[data-testid=search-input]", "dash-7");
        await page.PressAsync("[data-testid=search-input]", "Enter");
        await Until(page, "key dash-7 found", async () => (await Text(page, "search-result")).Contains("v7", StringComparison.Ordinal));

        Load.Result done = await load;
        Assert.True(done.Acknowledged.Count > 1000, $"only {done.Acknowledged.Count} of 1500 writes acknowledged");

        // The node the page talks to goes away: the page says so plainly, and names the others to try.
        await cluster.Processes.KillAsync(1);
        await Until(page, "the page says its node is unreachable", async () =>
            await Attr(page, "connection", "data-state") == "unreachable"
            && await Attr(page, "banner", "data-kind") == "unreachable"
            && (await Text(page, "banner")).Contains("unreachable", StringComparison.Ordinal));
        Assert.Equal(2, await page.Locator("[data-testid=banner] a").CountAsync());
        // Requests to the dead node fail (net::ERR_…); any other console error is a bug in the page.
        Assert.DoesNotContain(consoleErrors, e => !e.Contains("net::ERR", StringComparison.Ordinal) && !e.Contains("Failed to load resource", StringComparison.Ordinal));
    }

    private static async Task Screenshot(IPage page)
    {
        string? path = Environment.GetEnvironmentVariable("AEGIS_DASHBOARD_SCREENSHOT");
        if (!string.IsNullOrEmpty(path))
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }
    }

    private static async Task<string> Text(IPage page, string id) => await page.Locator($"[data-testid={id}]").TextContentAsync() ?? "";

    private static async Task<string?> Attr(IPage page, string id, string name) => await page.Locator($"[data-testid={id}]").GetAttributeAsync(name);

    private static async Task<ulong> Number(IPage page, string id) =>
        ulong.TryParse((await Text(page, id)).Replace(",", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;

    /// <summary>Polls the page until the condition holds; on timeout, fails with what the page showed.</summary>
    private static async Task Until(IPage page, string what, Func<Task<bool>> condition)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        string shown = await page.Locator("main").InnerTextAsync();
        Assert.Fail($"dashboard did not show: {what} within {Patience.TotalSeconds} s. It showed:\n{shown[..Math.Min(shown.Length, 3000)]}");
    }
}
