using Microsoft.Playwright;

namespace Aegis.Chat.Tests;

/// <summary>Debian's chromium driven by Playwright, headless, with the flags that keep it off the network (machine notes).</summary>
internal static class Browser
{
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>A user: a fresh context (own localStorage, so own keys) on the chat page of <paramref name="origin"/>.</summary>
    public static async Task<IPage> UserAsync(IBrowser browser, string origin, string path = "/chat/")
    {
        IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(origin + path);
        await page.WaitForSelectorAsync("body[data-ready=true]", new() { Timeout = 20000 });
        return page;
    }

    public static async Task<string> IdentityAsync(IPage page) => await page.InputValueAsync("[data-testid=my-identity]");

    public static async Task<string> CreateRoomAsync(IPage page, string name, params string[] members)
    {
        await page.FillAsync("[data-testid=room-name]", name);
        await page.FillAsync("[data-testid=room-members]", string.Join('\n', members));
        await page.ClickAsync("[data-testid=create-room]");
        await page.WaitForFunctionAsync("() => document.getElementById('room-id').textContent.length === 64", null, new() { Timeout = 30000 });
        return await page.TextContentAsync("[data-testid=room-id]") ?? "";
    }

    public static async Task OpenRoomAsync(IPage page, string room)
    {
        await page.WaitForSelectorAsync($"[data-testid=room][data-room='{room}']", new() { Timeout = 20000 });
        await page.ClickAsync($"[data-testid=room][data-room='{room}']");
        await page.WaitForFunctionAsync($"() => document.getElementById('room-id').textContent === '{room}'");
    }

    public static async Task SendAsync(IPage page, string text, string? file = null)
    {
        await page.FillAsync("[data-testid=message-text]", text);
        if (file is not null)
        {
            await page.SetInputFilesAsync("[data-testid=message-file]", file);
        }

        await page.ClickAsync("[data-testid=send]");
        await page.WaitForFunctionAsync("() => !document.querySelector('[data-testid=pending]')", null, new() { Timeout = 30000 });
    }

    /// <summary>Waits until the page shows at least <paramref name="count"/> verified messages and returns their texts in page order.</summary>
    public static async Task<string[]> MessagesAsync(IPage page, int count)
    {
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('[data-testid=message]').length >= {count}", null, new() { Timeout = 30000 });
        return [.. (await page.Locator("[data-testid=message] .body").AllTextContentsAsync()).Select(t => t.Trim())];
    }
}
