"""A minimal StatusNotifierWatcher and dbusmenu client, so that a headless test can find the
app's real tray item on the session bus and click its menu items the way a panel would.

The watcher answers the calls libayatana-appindicator makes (RegisterStatusNotifierItem, the
properties) and remembers which bus name and object path registered; the client reads the item's
menu with com.canonical.dbusmenu.GetLayout and sends Event(id, "clicked").
"""

import asyncio
import time

from dbus_next import BusType, Message, MessageType, Variant
from dbus_next.aio import MessageBus

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
INTROSPECTION = """<node><interface name="org.kde.StatusNotifierWatcher">
<method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
<method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
<property name="RegisteredStatusNotifierItems" type="as" access="read"/>
<property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
<property name="ProtocolVersion" type="i" access="read"/>
<signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
<signal name="StatusNotifierHostRegistered"/>
</interface></node>"""


class Watcher:
    def __init__(self):
        self.items = []  # (bus name, object path)
        self.bus = None

    def props(self):
        return {
            "RegisteredStatusNotifierItems": Variant("as", [f"{n}{p}" for n, p in self.items]),
            "IsStatusNotifierHostRegistered": Variant("b", True),
            "ProtocolVersion": Variant("i", 0),
        }

    def handle(self, msg):
        if msg.message_type != MessageType.METHOD_CALL or msg.path != WATCHER_PATH:
            return None
        if msg.member == "Introspect":
            return Message.new_method_return(msg, "s", [INTROSPECTION])
        if msg.member == "RegisterStatusNotifierItem":
            arg = msg.body[0]
            name, path = (msg.sender, arg) if arg.startswith("/") else (arg, "/StatusNotifierItem")
            self.items.append((name, path))
            self.bus.send(Message.new_signal(WATCHER_PATH, WATCHER, "StatusNotifierItemRegistered", "s", [name + path]))
            return Message.new_method_return(msg)
        if msg.member == "RegisterStatusNotifierHost":
            return Message.new_method_return(msg)
        if msg.member == "GetAll":
            return Message.new_method_return(msg, "a{sv}", [self.props()])
        if msg.member == "Get":
            return Message.new_method_return(msg, "v", [self.props()[msg.body[1]]])
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", msg.member)

    async def start(self):
        self.bus = await MessageBus(bus_type=BusType.SESSION).connect()
        self.bus.add_message_handler(self.handle)
        await self.bus.request_name(WATCHER)
        # A host on the bus: appindicator only exports its item when one is registered.
        await self.bus.request_name("org.kde.StatusNotifierHost-nexsock-test")

    async def wait_item(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while not self.items:
            if time.monotonic() > deadline:
                raise TimeoutError("no tray item registered with the StatusNotifierWatcher")
            await asyncio.sleep(0.05)
        return self.items[-1]

    async def wait_item_of(self, pid, timeout=20.0):
        """The item registered by process `pid`: a killed app's late or repeated registration (its
        bus name gone, or another process's) is passed over."""
        deadline = time.monotonic() + timeout
        while True:
            for name, path in reversed(self.items):
                try:
                    (owner,) = await call(self.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                          "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", [name])
                except RuntimeError:
                    continue
                if owner == pid:
                    return name, path
            if time.monotonic() > deadline:
                raise TimeoutError(f"no tray item of pid {pid} registered with the StatusNotifierWatcher")
            await asyncio.sleep(0.05)


async def call(bus, dest, path, iface, member, signature="", body=()):
    reply = await bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                   signature=signature, body=list(body)))
    if reply.message_type == MessageType.ERROR:
        raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
    return reply.body


async def menu_path(bus, item):
    name, path = item
    (value,) = await call(bus, name, path, "org.freedesktop.DBus.Properties", "Get", "ss",
                          ["org.kde.StatusNotifierItem", "Menu"])
    return name, value.value


def flatten(layout, trail=()):
    """(id, props, children) -> [(id, label path)]."""
    item_id, props, children = layout
    label = props.get("label").value.replace("__", "\0").replace("_", "").replace("\0", "_") if "label" in props else ""
    here = trail + (label,) if label else trail
    out = [(item_id, here)]
    for child in children:
        out.extend(flatten(child.value, here))
    return out


async def layout(bus, menu):
    name, path = menu
    _revision, root = await call(bus, name, path, "com.canonical.dbusmenu", "GetLayout", "iias", [0, -1, []])
    return flatten(root)


async def click(bus, menu, *labels):
    """Clicks the item whose label path starts with `labels` (each a prefix of the label). The app
    rebuilds its menu as the engine's state changes, which gives the items new ids: an id that
    went stale between reading the layout and clicking is looked up again, as a panel does when
    the menu it shows is replaced."""
    for _ in range(20):
        items = await layout(bus, menu)
        found = [item_id for item_id, path in items
                 if len(path) == len(labels) and all(p.startswith(l) for p, l in zip(path, labels))]
        if not found:
            raise LookupError(f"no menu item {labels!r} in {[p for _, p in items]}")
        name, obj = menu
        try:
            await call(bus, name, obj, "com.canonical.dbusmenu", "Event", "isvu",
                       [found[0], "clicked", Variant("s", ""), 0])
            return
        except RuntimeError as e:
            if "does not refer to a menu item" not in str(e):
                raise
    raise RuntimeError(f"the menu kept changing under the click on {labels!r}")
