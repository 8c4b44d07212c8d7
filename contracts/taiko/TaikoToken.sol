// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title TaikoToken
/// @notice TTKOe, the Taiko Alpha-4 test token: 8 decimals. As in A4, TaikoL1 and ProverPool burn tokens
/// when they take them in (deposits, stakes) and mint them when they pay out (withdrawals, rewards).
/// On the local network the deployer mints the supply.
contract TaikoToken is ERC20, Ownable {
    mapping(address account => bool) private _minters;

    event MinterSet(address indexed account, bool allowed);

    error NotMinter(address caller);

    constructor(address owner) ERC20("Taiko Token Eldfell", "TTKOe") Ownable(owner) {}

    function decimals() public pure override returns (uint8) {
        return 8;
    }

    function setMinter(address account, bool allowed) external onlyOwner {
        _minters[account] = allowed;
        emit MinterSet(account, allowed);
    }

    function isMinter(address account) external view returns (bool) {
        return _minters[account];
    }

    /// @notice The owner mints the local network's supply; TaikoL1 and ProverPool mint payouts.
    function mint(address to, uint256 amount) external {
        if (msg.sender != owner() && !_minters[msg.sender]) revert NotMinter(msg.sender);
        _mint(to, amount);
    }

    /// @notice TaikoL1 and ProverPool burn what they take in, from the account that asked them to.
    function burn(address from, uint256 amount) external {
        if (!_minters[msg.sender]) revert NotMinter(msg.sender);
        _burn(from, amount);
    }
}
