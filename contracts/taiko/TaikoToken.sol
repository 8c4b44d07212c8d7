// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AddressResolver} from "./AddressResolver.sol";

/// @title TaikoToken
/// @notice TTKOe, the Taiko Alpha-4 test token, with eldfell's mint rule (taiko-mono@3b3317ad,
/// packages/protocol/contracts/L1/TaikoToken.sol): 8 decimals; only the addresses named "taiko", "prover_pool",
/// "dao" or "token_vault" in the AddressManager may mint and burn, any account's tokens (TaikoL1 and ProverPool
/// burn what they take in and mint what they pay out); the supply never exceeds type(uint64).max; no transfer to
/// the token itself. Eldfell's proxy, pause, snapshot, votes and permit are not carried.
contract TaikoToken is ERC20, AddressResolver {
    /// @notice A transfer to the token contract itself.
    error TKO_INVALID_ADDR();
    /// @notice The premint recipients and amounts differ in length.
    error TKO_INVALID_PREMINT_PARAMS();
    /// @notice A mint would take the supply above type(uint64).max.
    error TKO_MINT_DISALLOWED();

    /// @notice `amount` was minted to `account` (after the ERC-20 Transfer from zero).
    event Mint(address indexed account, uint256 amount);
    /// @notice `amount` was burnt from `account` (after the ERC-20 Transfer to zero).
    event Burn(address indexed account, uint256 amount);

    /// @dev Eldfell's TaikoToken.init, as a constructor: the name book, the token's name and symbol, and a premint.
    constructor(
        address addressManager_,
        string memory name_,
        string memory symbol_,
        address[] memory premintRecipients,
        uint256[] memory premintAmounts
    ) ERC20(name_, symbol_) AddressResolver(addressManager_) {
        if (premintRecipients.length != premintAmounts.length) revert TKO_INVALID_PREMINT_PARAMS();
        for (uint256 i; i < premintRecipients.length; ++i) {
            _mint(premintRecipients[i], premintAmounts[i]);
        }
    }

    modifier onlyFromNamed4(bytes32 name1, bytes32 name2, bytes32 name3, bytes32 name4) {
        if (!_isNamed(name1) && !_isNamed(name2) && !_isNamed(name3) && !_isNamed(name4)) revert RESOLVER_DENIED();
        _;
    }

    /// @notice "taiko", "prover_pool", "dao" or "token_vault" only (else RESOLVER_DENIED()): mint to `to`.
    function mint(address to, uint256 amount) external onlyFromNamed4("taiko", "prover_pool", "dao", "token_vault") {
        _mint(to, amount);
    }

    /// @notice "taiko", "prover_pool", "dao" or "token_vault" only (else RESOLVER_DENIED()): burn from `from`,
    /// without an allowance.
    function burn(address from, uint256 amount) external onlyFromNamed4("taiko", "prover_pool", "dao", "token_vault") {
        _burn(from, amount);
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (to == address(this)) revert TKO_INVALID_ADDR();
        return super.transfer(to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        if (to == address(this)) revert TKO_INVALID_ADDR();
        return super.transferFrom(from, to, amount);
    }

    function decimals() public pure override returns (uint8) {
        return 8;
    }

    /// @dev Mints and burns also report Mint and Burn, and no mint takes the supply above uint64.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == address(0)) {
            if (totalSupply() > type(uint64).max) revert TKO_MINT_DISALLOWED();
            emit Mint(to, value);
        } else if (to == address(0)) {
            emit Burn(from, value);
        }
    }
}
