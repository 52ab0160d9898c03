"""The PyTorch reference modules SpectroFold's models must match key for key and logit for logit.

baseline_cnn: torchvision's resnet18 with a 1-channel conv1 (standard width 64); for other widths
the same class layout with torchvision's BasicBlock. cnn_attention: the same with CBAM in every
block, as the CBAM paper's official code (Woo et al. 2018) names it. cnn_mlp: the resnet as
`backbone` without fc, `meta_mlp` and `head` as SpectroFold's DESIGN.md gives them. ast: the
original AST code's layout (timm DeiT under `v.`, mlp_head on the mean of cls and dist tokens).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock


class ResNet18(nn.Module):
    """torchvision's ResNet layout at width w (torchvision itself for w = 64)."""

    def __init__(self, width, classes, cbam=False):
        super().__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(1, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(width, 1, cbam)
        self.layer2 = self._make_layer(2 * width, 2, cbam)
        self.layer3 = self._make_layer(4 * width, 2, cbam)
        self.layer4 = self._make_layer(8 * width, 2, cbam)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width, classes) if classes else nn.Identity()

    def _make_layer(self, planes, stride, cbam):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        block = CBAMBlock if cbam else BasicBlock
        layers = [block(self.inplanes, planes, stride, downsample), block(planes, planes)]
        self.inplanes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(width, classes, cbam=False):
    if width == 64 and not cbam:
        model = torchvision.models.resnet18(num_classes=classes or 1000)
        model.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
        if not classes:
            model.fc = nn.Identity()
        return model
    return ResNet18(width, classes, cbam)


# CBAM, as the paper's official code (MODELS/cbam.py) structures and names it.
class BasicConv(nn.Module):
    def __init__(self, cin, cout, kernel, padding):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.01, affine=True)

    def forward(self, x):
        return self.bn(self.conv(x))


class ChannelGate(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels))

    def forward(self, x):
        size = (x.size(2), x.size(3))
        attention = self.mlp(F.avg_pool2d(x, size, stride=size)) + self.mlp(F.max_pool2d(x, size, stride=size))
        return x * torch.sigmoid(attention).unsqueeze(2).unsqueeze(3)


class SpatialGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = BasicConv(2, 1, 7, 3)

    def forward(self, x):
        pooled = torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)
        return x * torch.sigmoid(self.spatial(pooled))


class CBAM(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.ChannelGate = ChannelGate(channels)
        self.SpatialGate = SpatialGate()

    def forward(self, x):
        return self.SpatialGate(self.ChannelGate(x))


class CBAMBlock(BasicBlock):
    """BasicBlock with CBAM after bn2, before the residual add (the official code's placement)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__(inplanes, planes, stride, downsample)
        self.cbam = CBAM(planes)

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        out = self.cbam(out)
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


class CNNWithMetadata(nn.Module):
    def __init__(self, width, classes, metadata, dropout=0.0, hidden=64):
        super().__init__()
        self.backbone = resnet18(width, 0)
        self.meta_mlp = nn.Sequential(nn.Linear(metadata, hidden), nn.ReLU(), nn.Dropout(dropout),
                                      nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(8 * width + hidden, 256), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(256, classes))

    def forward(self, x, metadata):
        return self.head(torch.cat((self.backbone(x), self.meta_mlp(metadata)), dim=1))


# AST with timm's DeiT naming.
class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attention = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
        return self.proj((attention @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), Mlp(dim, 4 * dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Conv2d(1, dim, kernel_size=(16, 16), stride=(10, 10))


class DeiT(nn.Module):
    def __init__(self, dim, depth, heads, tokens):
        super().__init__()
        self.patch_embed = PatchEmbed(dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.dist_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, dim))
        self.pos_drop = nn.Dropout(0.0)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)


class AST(nn.Module):
    def __init__(self, classes, dim, depth, heads, mel_bins, frames):
        super().__init__()
        f, t = (mel_bins - 16) // 10 + 1, (frames - 16) // 10 + 1
        self.patch_grid = (f, t)
        self.v = DeiT(dim, depth, heads, f * t + 2)
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, classes))

    def forward(self, x):
        b = x.shape[0]
        x = self.v.patch_embed.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.v.cls_token.expand(b, -1, -1), self.v.dist_token.expand(b, -1, -1), x), dim=1)
        x = self.v.pos_drop(x + self.v.pos_embed)
        for block in self.v.blocks:
            x = block(x)
        x = self.v.norm(x)
        return self.mlp_head((x[:, 0] + x[:, 1]) / 2)


def build(name, preset, classes, frames, metadata=0, mel_bins=128):
    width = 64 if preset == "standard" else 16
    if name == "baseline_cnn":
        return resnet18(width, classes)
    if name == "cnn_attention":
        return ResNet18(width, classes, cbam=True)
    if name == "cnn_mlp":
        return CNNWithMetadata(width, classes, metadata)
    if name == "ast":
        dim, depth, heads = {"mini": (64, 4, 4), "standard": (192, 12, 3), "small": (384, 12, 6), "base": (768, 12, 12)}[preset]
        return AST(classes, dim, depth, heads, mel_bins, frames)
    raise ValueError(name)
